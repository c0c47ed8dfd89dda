/**
 * The NAT behaviours of the lab's routers (../shared/NATLAB.md; RFC 4787's terms), as nftables
 * scripts for a router whose WAN interface is `wan` with IPv4 address `wan` and whose LAN is
 * behind `lan`. Pure: the lab (lab.ts) loads each script into its router's namespace with
 * `nft -f -`. Every script starts from an empty ruleset.
 */

import type { MappingBehaviour } from '../nat/mapping.js';

/** What stands between a site's hosts and the lab's internet. */
export const NAT_KINDS = ['public', 'full-cone', 'address-restricted', 'port-restricted', 'symmetric', 'udp-blocked'] as const;
export type NatKind = (typeof NAT_KINDS)[number];

/** The mapping each kind shows two STUN servers (src/nat/mapping.ts's classes): the lab and the models are checked against it. */
export const KIND_MAPPING = {
  public: 'no-nat',
  'full-cone': 'endpoint-independent',
  'address-restricted': 'endpoint-independent',
  'port-restricted': 'endpoint-independent',
  symmetric: 'endpoint-dependent',
  'udp-blocked': 'udp-blocked',
} as const satisfies Record<NatKind, MappingBehaviour>;

/** How long the full-cone map and the contacted set remember an entry (seconds). */
export const NAT_MAPPING_TIMEOUT_S = 300;
export const NAT_CONTACTED_TIMEOUT_S = 120;

/**
 * The full-cone NAT table (endpoint-independent mapping and filtering): every UDP packet out
 * records internal address and port under its source port, and a packet in to that port goes
 * back to them, whoever sends it; the source address becomes the WAN address (Linux keeps the
 * port when it is free).
 */
function fullConeNat(wan: string): string {
  return `table ip nat {
  map fullcone { type inet_service : ipv4_addr . inet_service; flags dynamic,timeout; timeout ${NAT_MAPPING_TIMEOUT_S}s; }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan" meta l4proto udp dnat ip addr . port to udp dport map @fullcone
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" meta l4proto udp update @fullcone { udp sport timeout ${NAT_MAPPING_TIMEOUT_S}s : ip saddr . udp sport }
    oifname "wan" snat to ${wan}
  }
}
`;
}

/** A NAT that masquerades (`random`: a new external port for every destination, endpoint-dependent mapping). */
function masquerade(random: boolean): string {
  return `table ip nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade${random ? ' random' : ''}
  }
}
`;
}

/**
 * Inbound from the WAN only for connections the inside started (port-restricted filtering), and,
 * on a router that forwards ports (miniupnpd), to the ports it forwards (DNAT'ed).
 */
const establishedOnly = (forwarded: boolean): string => `table ip filter {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state established,related accept
${forwarded ? '    iifname "wan" ct status dnat accept\n' : ''}    iifname "wan" drop
  }
}
`;

/**
 * The chains miniupnpd (Debian's miniupnpd-nftables) fills with the ports it forwards, in a table
 * of its own: its DNAT rules run just before the router's own NAT.
 */
export function miniupnpdRules(): string {
  return `table inet miniupnpd {
  chain forward_miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority dstnat - 10; policy accept;
    jump prerouting_miniupnpd
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting {
    type nat hook postrouting priority srcnat - 10; policy accept;
    jump postrouting_miniupnpd
  }
  chain postrouting_miniupnpd {
  }
}
`;
}

/** miniupnpd's configuration for a lab router: NAT-PMP and PCP on the LAN, ports of the LAN's hosts only, the chains above. */
export function miniupnpdConfig(wan: string, uuid: string): string {
  return `ext_ifname=wan
ext_ip=${wan}
listening_ip=lan
port=0
enable_natpmp=yes
enable_upnp=no
secure_mode=yes
system_uptime=yes
upnp_table_name=miniupnpd
upnp_nat_table_name=miniupnpd
upnp_forward_chain=forward_miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
uuid=${uuid}
allow 1024-65535 10.0.0.0/8 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
`;
}

/** A site's IPv6 firewall (added to its router's ruleset): inbound from the WAN only on flows the inside began. */
export function ipv6FirewallRules(): string {
  return `table ip6 firewall {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" drop
  }
}
`;
}

/** The nftables script of a router of this kind (none for `public`: its hosts sit on the internet); `forwarded`: it also forwards the ports miniupnpd maps. */
export function routerRules(kind: NatKind, wan: string, forwarded = false): string | null {
  const head = 'flush ruleset\n';
  switch (kind) {
    case 'public':
      return null;
    case 'full-cone':
      return head + fullConeNat(wan);
    case 'address-restricted':
      // Full-cone mapping; inbound only from addresses the inside has sent to.
      return `${head}${fullConeNat(wan)}table ip filter {
  set contacted { type ipv4_addr; flags dynamic,timeout; timeout ${NAT_CONTACTED_TIMEOUT_S}s; }
  chain postrouting {
    type filter hook postrouting priority filter; policy accept;
    oifname "wan" update @contacted { ip daddr }
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" ip saddr @contacted accept
    iifname "wan" drop
  }
}
`;
    case 'port-restricted':
      // Endpoint-independent mapping (the full-cone table), inbound only on flows the inside began.
      return head + fullConeNat(wan) + establishedOnly(forwarded);
    case 'symmetric':
      return head + masquerade(true) + establishedOnly(forwarded);
    case 'udp-blocked':
      // Only TCP to port 443 goes out; nothing comes in unasked.
      return `${head}${masquerade(false)}table inet filter {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state established,related accept
    iifname "wan" drop
    tcp dport 443 accept
    meta l4proto { tcp, udp } drop
  }
}
`;
  }
}
