import { httpStatusOf, type KubeEndpoint, kubeRequest } from '../runtime/kube-http.js';
import type { WatcherLogger } from './logger.js';

/** A `coordination.k8s.io/v1` Lease as the API server sends it (times are RFC 3339 strings with microseconds). */
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [field: string]: unknown };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
    [field: string]: unknown;
  };
}

/** Options of {@link LeaderElector}. */
export interface LeaderElectionOptions {
  readonly kube: KubeEndpoint;
  readonly namespace: string;
  readonly leaseName: string;
  /** Unique per process (pod name plus a random suffix). */
  readonly identity: string;
  /** A leader that stops renewing is replaced after this long. */
  readonly leaseDurationMs: number;
  /** How often the lease is renewed or, by a standby, checked. */
  readonly retryPeriodMs: number;
  readonly log: WatcherLogger;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

/**
 * Lease-based leader election on `coordination.k8s.io/v1`, in the manner of client-go.
 *
 * Guarantees: at most one process considers itself leader while clocks run at the same rate — a leader stops
 * leading when a renewal is refused (someone else holds the lease) or when it could not renew for two thirds of the
 * lease duration, before any standby may take over. Expiry is judged by when a standby last saw the lease change,
 * not by timestamps written by other machines, so clock skew does not matter.
 * Caveats: a process frozen (stopped, swapped) longer than the lease may act briefly after waking; the engine's
 * workflow tolerates duplicate signals, so this costs at most a redundant signal.
 */
export class LeaderElector {
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #observed: { holder: string; renew: string } | undefined;
  #observedAt = 0;
  #lastRenewed = 0;
  #stopped = false;
  /** Numbers each round, so that a round which outlived its deadline cannot make us leader afterwards. */
  #round = 0;
  constructor(private readonly options: LeaderElectionOptions) {}

  /** Whether this process leads now. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** Starts trying to acquire and then renew the lease. */
  start(): void {
    void this.#cycle();
  }

  /** Stops; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity === this.options.identity) {
        const spec = {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(lease.spec.acquireTime ?? new Date()),
          renewTime: microTime(new Date()),
        };
        await this.#send('PUT', this.#leasePath(), { ...lease, spec });
      }
    } catch (error) {
      this.options.log.warn('could not release the lease', { error: String(error) });
    }
  }

  async #cycle(): Promise<void> {
    if (this.#stopped) return;
    const round = ++this.#round;
    const deadlineMs = (this.options.leaseDurationMs * 2) / 3;
    try {
      // A request that hangs (a half-open connection) must not keep a leader leading: bound the round.
      await withDeadline(this.#tryAcquireOrRenew(round), deadlineMs);
    } catch (error) {
      this.options.log.warn('leader election round failed', { error: String(error) });
    }
    if (this.#leading && Date.now() - this.#lastRenewed > deadlineMs) {
      this.options.log.warn('could not renew the lease in time; stepping down');
      this.#setLeading(false);
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#cycle(), this.options.retryPeriodMs);
    this.#timer.unref();
  }

  async #tryAcquireOrRenew(round: number): Promise<void> {
    const now = new Date();
    const lease = await this.#read();
    if (!lease) {
      await this.#send('POST', this.#leasesPath(), this.#leaseBody(now, 0));
      this.#renewed(round);
      return;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renew = lease.spec?.renewTime;
    this.#observe(holder, renew ?? '');
    const mine = holder === this.options.identity;
    const expired = holder === '' || Date.now() - this.#observedAt > this.#durationOf(lease);
    if (mine || expired) await this.#write(lease, now, mine, round);
    else if (this.#leading) this.#setLeading(false);
  }

  /** Renews our lease, or takes over an expired one, guarded by the lease's resourceVersion. */
  async #write(lease: Lease, now: Date, mine: boolean, round: number): Promise<void> {
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const fresh = this.#leaseBody(now, transitions);
    const spec =
      mine && lease.spec?.acquireTime ? { ...fresh.spec, acquireTime: lease.spec.acquireTime } : fresh.spec;
    const body: Lease = {
      ...fresh,
      metadata: { ...lease.metadata, name: this.options.leaseName },
      ...(spec ? { spec } : {}),
    };
    try {
      await this.#send('PUT', this.#leasePath(), body);
      this.#renewed(round);
    } catch (error) {
      // 409: someone else wrote the lease since we read it; they hold it now.
      if (httpStatusOf(error) === 409 && this.#leading) this.#setLeading(false);
      throw error;
    }
  }

  #renewed(round: number): void {
    if (round !== this.#round || this.#stopped) return;
    this.#lastRenewed = Date.now();
    if (!this.#leading) this.#setLeading(true);
  }

  #observe(holder: string, renew: string): void {
    if (this.#observed?.holder !== holder || this.#observed.renew !== renew) {
      this.#observed = { holder, renew };
      this.#observedAt = Date.now();
    }
  }

  #durationOf(lease: Lease): number {
    return (lease.spec?.leaseDurationSeconds ?? this.options.leaseDurationMs / 1000) * 1000;
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    this.options.log.info(leading ? 'became leader' : 'stopped leading', { identity: this.options.identity });
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  async #read(): Promise<Lease | undefined> {
    try {
      return await kubeRequest<Lease>(this.options.kube, { method: 'GET', path: this.#leasePath() });
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #send(method: 'POST' | 'PUT', path: string, body: Lease): Promise<void> {
    await kubeRequest(this.options.kube, { method, path, body });
  }

  #leasesPath(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  #leasePath(): string {
    return `${this.#leasesPath()}/${encodeURIComponent(this.options.leaseName)}`;
  }

  #leaseBody(now: Date, transitions: number): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.options.leaseName, namespace: this.options.namespace },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: Math.max(1, Math.round(this.options.leaseDurationMs / 1000)),
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: transitions,
      },
    };
  }
}

/** `promise`, or a rejection once `ms` have passed (the promise itself is left to settle unobserved). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms)} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A `metav1.MicroTime` as the API server parses it (six fractional digits). */
function microTime(value: Date | string): string {
  const iso = value instanceof Date ? value.toISOString() : new Date(value).toISOString();
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}
