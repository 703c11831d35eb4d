/** Where this server answers on this machine, for links printed in the console (a wildcard HOST reads 127.0.0.1). */
export function localBaseUrl(config: { host: string; port: number }): string {
  const host =
    config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}
