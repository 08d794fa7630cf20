/**
 * Whether a process of this machine is running: signal 0 checks without sending anything. EPERM
 * means it runs under another user, which is still running.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
