import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

/** A certificate and its private key, both PEM-encoded. */
export interface CertifiedKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Subject alternative names of a serving certificate. */
export interface ServingNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_MS = 365 * 24 * 3600 * 1000;

/**
 * A throw-away certificate authority for a local control plane (ECDSA P-256, valid for one year).
 * Never use it for anything but loopback test servers: its key lives in memory and in the work folder.
 */
export class CertificateAuthority {
  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
  ) {}

  /** Re-creates a CA from the PEM pair of {@link CertificateAuthority.create} (for example in another process). */
  static async fromPem(certPem: string, keyPem: string): Promise<CertificateAuthority> {
    const der = Buffer.from(keyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const key = await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
    return new CertificateAuthority(certPem, keyPem, new x509.X509Certificate(certPem), key);
  }

  /** Creates a self-signed CA named `commonName`. */
  static async create(commonName: string): Promise<CertificateAuthority> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      ...validity(),
      name: [{ CN: [commonName] }],
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(
      cert.toString('pem'),
      await privateKeyPem(keys.privateKey),
      cert,
      keys.privateKey,
    );
  }

  /** Issues a TLS server certificate for the given names. */
  issueServing(commonName: string, names: ServingNames): Promise<CertifiedKey> {
    const altNames = [
      ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...names.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ];
    return this.issue([{ CN: [commonName] }], x509.ExtendedKeyUsage.serverAuth, [
      new x509.SubjectAlternativeNameExtension(altNames),
    ]);
  }

  /**
   * Issues a client certificate that kube-apiserver authenticates as user `user` in `groups`
   * (common name = user, organisations = groups). The group `system:masters` bypasses RBAC.
   */
  issueClient(user: string, groups: readonly string[]): Promise<CertifiedKey> {
    return this.issue(
      [{ CN: [user] }, ...groups.map((g) => ({ O: [g] }))],
      x509.ExtendedKeyUsage.clientAuth,
      [],
    );
  }

  private async issue(
    subject: x509.JsonName,
    usage: x509.ExtendedKeyUsage,
    extra: x509.Extension[],
  ): Promise<CertifiedKey> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      ...validity(),
      subject,
      issuer: this.cert.subjectName,
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([usage]),
        ...extra,
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
  }
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function validity() {
  const now = Date.now();
  return {
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    notBefore: new Date(now - 3600 * 1000),
    notAfter: new Date(now + VALIDITY_MS),
  };
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}
