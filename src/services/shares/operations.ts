/** File sharing (SRS-02): SMB shares and NFS exports on datasets, rendered to the tools' config files. */
import { sharesPermissions } from '../../contracts/shares.js';
import type { Attachments } from '../core/attachments.js';
import type { Registry } from '../core/registry.js';
import { registerNfs } from './nfs.js';
import { registerSmb } from './smb.js';

export function registerShares(registry: Registry, attachments: Attachments): void {
  registry.addPermissions(sharesPermissions);
  registerSmb(registry, attachments);
  registerNfs(registry, attachments);
}

export { setShareDeployment, type ShareDeployment } from './settings.js';
