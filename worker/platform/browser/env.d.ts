// Vite's asset-URL imports, as used by the worker.
declare module "*?url" {
  const url: string;
  export default url;
}
