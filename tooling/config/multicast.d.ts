/** True when every interface this process sees is loopback. */
export function loopbackOnly(): boolean
/** One socket sends to 224.0.0.251 with loopback on; another joined to the group must hear it. */
export function multicastWorks(timeoutMs?: number): Promise<boolean>
/** Whether mDNS may and can run here, and if not, why (one line). */
export function mdnsIsolation(): Promise<{ ok: boolean; reason: string }>
