/**
 * The SQL the Postgres cluster runs at bootstrap (k8s/postgres/), against a real Postgres with
 * pgvector: PGlite (Postgres compiled to WebAssembly) with its pgvector extension.
 */
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { bootstrapSql } from "../../components/postgres/postgres-objects";

/** A deterministic unit vector of 1536 dimensions pointing mostly along `axis`. */
function embedding(axis: number, noise = 0): number[] {
  const v = Array.from({ length: 1536 }, (_, i) => (i === axis ? 1 : Math.sin(i * 7 + axis) * noise));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
const literal = (v: number[]) => `[${v.join(",")}]`;

describe("bootstrap SQL on Postgres with pgvector (PGlite)", () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create({ extensions: { vector } });
    await db.exec("CREATE ROLE sophia");
    for (const { sql } of bootstrapSql("sophia")) await db.exec(sql);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("creates the vector extension and the tables", async () => {
    const ext = await db.query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname = 'vector'");
    expect(ext.rows).toEqual([{ extname: "vector" }]);
    const tables = await db.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(["knowledge_chunks", "user_memories"]);
  });

  it("builds HNSW indexes with cosine distance", async () => {
    const idx = await db.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE indexdef LIKE '%hnsw%' ORDER BY indexname",
    );
    expect(idx.rows.map((r) => r.indexname)).toEqual([
      "knowledge_chunks_embedding_hnsw",
      "user_memories_embedding_hnsw",
    ]);
    for (const r of idx.rows) expect(r.indexdef).toContain("vector_cosine_ops");
  });

  it("is idempotent (re-running changes nothing and fails nothing)", async () => {
    for (const { sql } of bootstrapSql("sophia")) await db.exec(sql);
    const count = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'",
    );
    // 2 primary keys, 1 unique constraint, 2 HNSW and 2 btree indexes.
    expect(count.rows[0]?.n).toBe(7);
  });

  it("answers a nearest-neighbour query through the HNSW index", async () => {
    for (let axis = 0; axis < 50; axis++) {
      await db.query(
        "INSERT INTO knowledge_chunks (source_system, source_id, content, embedding) VALUES ($1, $2, $3, $4)",
        ["hubspot", `doc-${axis}`, `document ${axis}`, literal(embedding(axis, 0.01))],
      );
    }
    await db.exec("SET enable_seqscan = off");
    const query = literal(embedding(17, 0.02));
    const plan = await db.query<{ "QUERY PLAN": string }>(
      `EXPLAIN SELECT source_id FROM knowledge_chunks ORDER BY embedding <=> '${query}' LIMIT 3`,
    );
    expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("knowledge_chunks_embedding_hnsw");
    const nearest = await db.query<{ source_id: string; distance: number }>(
      `SELECT source_id, embedding <=> $1 AS distance FROM knowledge_chunks ORDER BY embedding <=> $1 LIMIT 3`,
      [query],
    );
    expect(nearest.rows[0]?.source_id).toBe("doc-17");
    // The same direction plus a little more noise: far closer than any other document.
    expect(nearest.rows[0]!.distance).toBeLessThan(nearest.rows[1]!.distance / 2);
  });

  it("grants the application role what it needs and no more", async () => {
    const grants = await db.query<{ privilege_type: string }>(
      "SELECT privilege_type FROM information_schema.role_table_grants WHERE grantee = 'sophia' AND table_name = 'knowledge_chunks' ORDER BY privilege_type",
    );
    expect(grants.rows.map((r) => r.privilege_type)).toEqual(["DELETE", "INSERT", "SELECT", "UPDATE"]);
  });

  it("rejects an embedding of the wrong dimension and an out-of-range importance", async () => {
    await expect(
      db.query("INSERT INTO user_memories (user_id, content, embedding) VALUES ('u', 'c', '[1,2,3]')"),
    ).rejects.toThrow(/expected 1536 dimensions/);
    await expect(
      db.query("INSERT INTO user_memories (user_id, content, importance, embedding) VALUES ('u', 'c', 2, $1)", [
        literal(embedding(1)),
      ]),
    ).rejects.toThrow(/check constraint/);
  });
});
