export interface MarkedProcess {
  pid: number;
  ppid: number;
  args: string;
}
export function markedProcesses(id: string, self?: number): MarkedProcess[];
export function markRun(): string;
export function checkLeftovers(id: string, graceMs?: number): Promise<void>;
