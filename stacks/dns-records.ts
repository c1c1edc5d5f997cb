/**
 * The `dnsRecords` output: every record the registrar must hold, for the frontend's domains (Vercel)
 * and the gateway's hosts (`api.`, `mcp.`, `monitor.`), each saying what it still needs.
 */
import type { RegistrarRecord } from "../components/frontend";
import type { DnsRecord } from "../components/ingress";
import { GATEWAY_ADDRESSES_NEEDED } from "./outputs/contract";

/** The gateway's records, marked with what is missing while the public addresses are unknown. */
export function gatewayRecords(records: readonly DnsRecord[]): RegistrarRecord[] {
  return records.map((r) => ({
    ...r,
    values: [...r.values],
    target: "gateway",
    needs: r.values.length > 0 ? null : GATEWAY_ADDRESSES_NEEDED,
  }));
}

/** Frontend records first, then the gateway's, sorted by name within each. */
export function registrarRecords(
  frontend: readonly RegistrarRecord[],
  gateway: readonly DnsRecord[],
): RegistrarRecord[] {
  const byName = (a: RegistrarRecord, b: RegistrarRecord) => a.name.localeCompare(b.name);
  return [...[...frontend].sort(byName), ...gatewayRecords(gateway).sort(byName)];
}
