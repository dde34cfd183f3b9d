// What `shop-mlops up` prints last: the dashboard's address, and a command that prints it with the admin token in the fragment (read from runtime.json, so the token itself is never printed).
import * as path from 'node:path';
import { runtimeFile } from './runtime-file';

export function dashboardLine(url: string, dataDir: string): string {
  const file = path.resolve(runtimeFile(dataDir));
  return `Dashboard: ${url}/\n  open the link this prints (the admin token rides in the #fragment, never sent to the server): node -p "'${url}/#token=' + require('${file}').adminToken"`;
}
