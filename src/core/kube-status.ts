/**
 * The `message` of a Kubernetes API error's Status body (JSON text or an object), else the body as text: what the
 * API server said, for error messages and conditions.
 */
export function statusMessageOf(body: unknown): string {
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message ?? String(body);
}
