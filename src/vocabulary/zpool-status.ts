/** A device or group of a pool, as `zpool status` prints it: the parser's output and the storage contract's vdev tree. */
export interface Vdev {
  name: string;
  state: string;
  read: number;
  write: number;
  checksum: number;
  note?: string;
  children: Vdev[];
}
