// Next's compiled copy of the `fresh` package, which decides its 304s (send-payload.js).
declare module 'next/dist/compiled/fresh/index.js' {
  function fresh(
    requestHeaders: Record<string, string | string[] | undefined>,
    responseHeaders: { etag?: string },
  ): boolean;
  export default fresh;
}
