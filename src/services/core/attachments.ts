/**
 * "Attachment delegates": before a dataset or zvol is destroyed, the storage service asks
 * every subsystem that can use one (shares, iSCSI, replication...) whether it does.
 */
import type { Ctx } from './context.js';

export interface Attachment {
  /** Which subsystem holds it: 'smb', 'nfs', 'iscsi'... */
  kind: string;
  /** The using object's name (share name, target IQN...). */
  name: string;
  /** The dataset or zvol it uses. */
  dataset: string;
  /** The operation (and its input) that removes this use, so a face can offer to do it first. */
  remove?: { operation: string; input: Record<string, unknown> };
}

export type AttachmentProvider = (ctx: Ctx, dataset: string) => Promise<Attachment[]>;

export class Attachments {
  private readonly providers: AttachmentProvider[] = [];

  register(provider: AttachmentProvider): void {
    this.providers.push(provider);
  }

  /** Every use of `dataset` or anything below it (children, zvols inside). */
  async of(ctx: Ctx, dataset: string): Promise<Attachment[]> {
    const lists = await Promise.all(this.providers.map((p) => p(ctx, dataset)));
    return lists.flat();
  }
}
