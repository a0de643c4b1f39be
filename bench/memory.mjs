// Peak memory of a browser under test, read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** Peak resident memory (VmHWM) of a browser and all its descendants, in bytes. */
export function peakRss(profileDir) {
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return { pid: Number(pid), ppid, cmdline, hwm: hwm ? Number(hwm[1]) * 1024 : 0 };
    } catch {
      return null;
    }
  }).filter(Boolean);
  const family = new Set(procs.filter((p) => p.cmdline.includes(profileDir)).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!family.has(p.pid) && family.has(p.ppid)) { family.add(p.pid); grew = true; }
  }
  return procs.filter((p) => family.has(p.pid)).reduce((sum, p) => sum + p.hwm, 0);
}
