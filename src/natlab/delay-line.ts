/**
 * A delay line for the NAT lab (issue #8): delay and jitter, which the lab's kernels cannot add
 * (they are built without netem: CONFIG_NET_SCH_NETEM is not set). A small program holds every
 * packet of one host for a time drawn at random, uniformly within `delayMs` ± `jitterMs` (netem's
 * `delay D J`: packets may overtake one another), then lets it go on.
 *
 * How packets pass through it, in the host's namespace: the program opens a TUN device; policy
 * routing sends the host's own UDP and TCP packets to remote addresses (`iif lo`) and those
 * arriving from its router (`iif eth0`, even to the host's own address: the `local` table is
 * looked at after these rules) into the TUN. What the program writes back comes in on the TUN and is routed
 * normally: out to the router, or delivered. The host must forward, and accept its own address as
 * a source on the TUN (`accept_local`). Nothing else in the lab changes: the router's NAT sees
 * the same packets, only later.
 *
 * The program is Python (python3 is on every machine the lab runs on): Node cannot open a TUN
 * device, which takes an ioctl.
 */

/** The TUN device's name. */
export const DELAY_LINE_DEVICE = 'dl0';
/** The routing table the delayed packets take. */
const DELAY_TABLE = '100';
/** Longest delay (ms) and jitter asked for. */
export const DELAY_MAX_MS = 10_000;

export interface DelayOptions {
  readonly delayMs: number;
  readonly jitterMs: number;
  /** The random numbers' seed (a run can be repeated). */
  readonly seed?: number;
}

/** The program: `python3 -c DELAY_LINE_PROGRAM DEVICE DELAY_MS JITTER_MS SEED`. Prints "ready" once the device exists. */
export const DELAY_LINE_PROGRAM = `
import fcntl, heapq, os, random, select, struct, sys, time
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
name, delay, jitter, seed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
rng = random.Random(seed)
held, n = [], 0
print('ready', flush=True)
while True:
    wait = max(0.0, held[0][0] - time.monotonic()) if held else None
    if select.select([fd], [], [], wait)[0]:
        packet = os.read(fd, 65536)
        hold = max(0.0, delay + rng.uniform(-jitter, jitter)) / 1000
        heapq.heappush(held, (time.monotonic() + hold, n, packet))
        n += 1
    now = time.monotonic()
    while held and held[0][0] <= now:
        os.write(fd, heapq.heappop(held)[2])
`;

/** The commands (each an argument list for `ip netns exec NS ...`) that route a host's packets through the device, once it exists. */
export function delayLineRouting(hostAddress: string): string[][] {
  const d = DELAY_LINE_DEVICE;
  return [
    ['ip', 'link', 'set', d, 'up'],
    ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
    ['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0'],
    ['sysctl', '-qw', `net.ipv4.conf.${d}.rp_filter=0`],
    ['sysctl', '-qw', 'net.ipv4.conf.eth0.rp_filter=0'],
    ['sysctl', '-qw', `net.ipv4.conf.${d}.accept_local=1`],
    ['sysctl', '-qw', `net.ipv4.conf.${d}.send_redirects=0`],
    ['sysctl', '-qw', 'net.ipv4.conf.all.send_redirects=0'],
    ['ip', 'route', 'add', 'default', 'dev', d, 'src', hostAddress, 'table', DELAY_TABLE],
    // The host's packets to itself (loopback, its API) stay as they are.
    ['ip', 'rule', 'add', 'pref', '90', 'iif', 'lo', 'lookup', 'local'],
    // UDP and TCP only: ARP asks the routing table whether an address is the host's (as if a packet
    // to it came in on eth0), and an answer "through the TUN" would leave the router unanswered.
    ['ip', 'rule', 'add', 'pref', '100', 'iif', 'lo', 'ipproto', 'udp', 'lookup', DELAY_TABLE],
    ['ip', 'rule', 'add', 'pref', '101', 'iif', 'lo', 'ipproto', 'tcp', 'lookup', DELAY_TABLE],
    ['ip', 'rule', 'add', 'pref', '102', 'iif', 'eth0', 'ipproto', 'udp', 'lookup', DELAY_TABLE],
    ['ip', 'rule', 'add', 'pref', '103', 'iif', 'eth0', 'ipproto', 'tcp', 'lookup', DELAY_TABLE],
    ['ip', 'rule', 'add', 'pref', '200', 'lookup', 'local'],
    ['ip', 'rule', 'del', 'pref', '0'],
  ];
}
