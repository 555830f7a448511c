/**
 * nftables rulesets for lab routers, firewalls and segments, as functions of their few
 * parameters. Each returns a complete ruleset for `nft -f` in one namespace; a host's
 * `nftables` field takes one (or several joined by newlines: every table has its own name).
 */

export interface NatInit {
  /** The interface towards the internet. @default 'eth0' */
  outside?: string
  /** The interface towards the LAN. @default 'eth1' */
  inside?: string
}

function natRuleset(init: NatInit, masquerade: string): string {
  const outside = init.outside ?? 'eth0'
  const inside = init.inside ?? 'eth1'
  return `
table ip lab_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${outside}" ${masquerade}
  }
}
table ip lab_nat_filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    iifname "${inside}" oifname "${outside}" accept
    iifname "${outside}" oifname "${inside}" ct state established,related accept
  }
}
`
}

/**
 * A home router: masquerade with port preservation, so one inside address:port keeps one
 * outside port whatever the destination (endpoint-independent mapping); inbound only for
 * connections the inside opened.
 */
export function masqueradeNat(init: NatInit = {}): string {
  return natRuleset(init, 'masquerade')
}

/**
 * A carrier-grade-like NAT: every connection gets a random outside port, so each destination
 * sees a different mapping (symmetric); inbound only for connections the inside opened.
 */
export function symmetricNat(init: NatInit = {}): string {
  return natRuleset(init, 'masquerade random')
}

/** How a firewall turns away what it does not let in. */
export type FirewallAction = 'drop' | 'reject'

function verdict(action: FirewallAction): string {
  return action === 'drop' ? 'drop' : 'reject with tcp reset'
}

/**
 * A host firewall that lets out everything and lets in only replies: a new inbound TCP
 * connection is dropped (the dialler times out) or rejected (the dialler sees a refusal).
 */
export function inboundFirewall(action: FirewallAction = 'drop'): string {
  return `
table inet lab_firewall {
  chain input {
    type filter hook input priority filter; policy accept;
    iif "lo" accept
    ct state established,related accept
    meta l4proto tcp ct state new ${verdict(action)}
  }
}
`
}

/** A host firewall that turns away inbound TCP to one port only. */
export function portFirewall(port: number, action: FirewallAction = 'drop'): string {
  return `
table inet lab_port_${port} {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport ${port} ${verdict(action)}
  }
}
`
}

/** Bridge rules of a segment (loaded in the switch namespace), matched on the bridge's ports. */
export interface SegmentRulesInit {
  /** The bridge's name in the switch (names the table). */
  bridge: string
  /** The switch-side ports of the segment: frames entering from them are filtered. */
  ports: string[]
  /** Drop all IPv4 multicast and IPv6 multicast crossing the segment. */
  dropMulticast?: boolean
  /** Drop this percentage of frames at random (nftables `numgen`), 0-100. */
  lossPercent?: number
}

/** The switch-side ruleset of one segment, or undefined when it needs none. */
export function segmentRules(init: SegmentRulesInit): string | undefined {
  const rules: string[] = []
  if (init.dropMulticast === true) {
    rules.push('ip daddr 224.0.0.0/4 drop', 'ip6 daddr ff00::/8 drop')
  }
  if (init.lossPercent !== undefined && init.lossPercent > 0) {
    rules.push(`numgen random mod 100 < ${Math.round(init.lossPercent)} drop`)
  }
  if (rules.length === 0 || init.ports.length === 0) return undefined
  const ports = `iifname { ${init.ports.map((port) => `"${port}"`).join(', ')} }`
  return `
table bridge lab_segment_${init.bridge} {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ${rules.map((rule) => `${ports} ${rule}`).join('\n    ')}
  }
}
`
}

/** A cut between two sets of bridge ports: frames between them are dropped both ways. */
export function partitionRules(table: string, sideA: string[], sideB: string[]): string {
  const a = sideA.map((port) => `"${port}"`).join(', ')
  const b = sideB.map((port) => `"${port}"`).join(', ')
  return `
table bridge ${table} {
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname { ${a} } oifname { ${b} } drop
    iifname { ${b} } oifname { ${a} } drop
  }
}
`
}
