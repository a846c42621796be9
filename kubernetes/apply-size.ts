// What a client-side `kubectl apply` adds to an object: the object itself, as JSON, in the
// annotation kubectl.kubernetes.io/last-applied-configuration. The API server caps an object's
// annotations at 256 KiB in all, keys included (apimachinery TotalAnnotationSizeLimitB), so an
// object whose JSON is near that fails with `metadata.annotations: Too long` (kubernetes/kubectl#712).

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'
/** apimachinery's TotalAnnotationSizeLimitB: the keys and values of all annotations together. */
export const ANNOTATIONS_LIMIT = 256 * 1024

type Json = { metadata?: { annotations?: Record<string, string>; [key: string]: unknown } } & Record<string, unknown>

/**
 * The bytes of an object's annotations once `kubectl apply` has written its own: kubectl encodes
 * the object without that annotation the way Go's json.Encoder does (compact, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped as \uXXXX, a newline at the end).
 */
export function appliedAnnotationBytes(object: Json): number {
  const annotations = { ...object.metadata?.annotations }
  delete annotations[LAST_APPLIED]
  const metadata = { ...object.metadata, annotations }
  if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations
  const goEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  const json = `${JSON.stringify({ ...object, metadata }).replace(/[<>&\u2028\u2029]/g, goEscape)}\n`
  const others = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0)
  return others + Buffer.byteLength(LAST_APPLIED) + Buffer.byteLength(json)
}
