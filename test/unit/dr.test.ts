/** The disaster-recovery drill's arithmetic (test/harness/dr.ts): what counts as lost, which backup. */
import { describe, expect, it } from "vitest";

import { chooseBackup, lossFigures, type Ack } from "../harness/dr";

const acks: Ack[] = [1, 2, 3, 4, 5].map((id) => ({ id, at: 1_000 * id }));

describe("lossFigures", () => {
  it("counts the lost suffix in seconds of commits", () => {
    expect(lossFigures(acks, new Set([1, 2, 3]))).toEqual({ lost: 2, kept: 3, holes: 0, rpoSeconds: 2 });
  });
  it("finds a hole: a lost commit before a kept one", () => {
    expect(lossFigures(acks, new Set([1, 3, 4, 5]))).toMatchObject({ lost: 1, holes: 1 });
  });
  it("loses nothing when every acknowledged commit is back (an unacknowledged extra row is fine)", () => {
    expect(lossFigures(acks, new Set([1, 2, 3, 4, 5, 6]))).toEqual({ lost: 0, kept: 5, holes: 0, rpoSeconds: 0 });
  });
});

describe("chooseBackup", () => {
  const backups = [
    { backup_id: "b1", end_time: "2026-03-01T03:05:00+00:00", status: "DONE" },
    { backup_id: "b2", end_time: "2026-03-02T03:05:00+00:00", status: "DONE" },
    { backup_id: "b3", end_time: "2026-03-03T03:05:00+00:00", status: "FAILED" },
  ];
  it("takes the latest completed backup without a target", () => {
    expect(chooseBackup(backups).backup_id).toBe("b2");
  });
  it("takes the latest one that ended before the target", () => {
    expect(chooseBackup(backups, "2026-03-02T01:00:00Z").backup_id).toBe("b1");
  });
  it("fails when none ended before the target", () => {
    expect(() => chooseBackup(backups, "2026-03-01T00:00:00Z")).toThrow(
      "no completed backup ended before 2026-03-01T00:00:00Z",
    );
  });
});
