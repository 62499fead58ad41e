/** File sharing (SRS-02): SMB shares and NFS exports on datasets, rendered to the tools' config files. */
import type { Attachments } from '../core/attachments.js';
import { definePermissions, type Registry } from '../core/registry.js';
import { registerNfs } from './nfs.js';
import { registerSmb } from './smb.js';

export const sharesPermissions = definePermissions([
  { name: 'shares.read', description: 'See SMB shares, NFS exports, SMB sessions and configuration drift', level: 'read' },
  { name: 'shares.write', description: 'Create, change and delete SMB shares and NFS exports', level: 'operate' },
  { name: 'shares.admin', description: 'SMB service settings, start/stop, SMB passwords, drift repair', level: 'admin' },
]);

export function registerShares(registry: Registry, attachments: Attachments): void {
  registry.addPermissions(sharesPermissions);
  registerSmb(registry, attachments);
  registerNfs(registry, attachments);
}

export { setShareDeployment, type ShareDeployment } from './settings.js';
