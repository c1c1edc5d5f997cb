-- Sophia's application schema, run once by CloudNativePG after the app database is created
-- (bootstrap.initdb.postInitApplicationSQLRefs), as the superuser, in the app database.
-- Idempotent, so it can also be re-applied by hand. Proven against Postgres with pgvector in
-- test/integration/postgres-sql.test.ts.

CREATE EXTENSION IF NOT EXISTS vector;

-- Chunks of business documents from the connected systems (MCP servers), with their embeddings
-- (OpenAI text-embedding-3-small: 1536 dimensions).
CREATE TABLE IF NOT EXISTS knowledge_chunks (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_system text        NOT NULL,
  source_id     text        NOT NULL,
  content       text        NOT NULL,
  embedding     vector(1536) NOT NULL,
  metadata      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_system, source_id)
);

-- Approximate nearest-neighbour search by cosine distance (the embeddings are normalised).
CREATE INDEX IF NOT EXISTS knowledge_chunks_embedding_hnsw
  ON knowledge_chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX IF NOT EXISTS knowledge_chunks_source ON knowledge_chunks (source_system, created_at DESC);

-- Long-term conversational memory per user.
CREATE TABLE IF NOT EXISTS user_memories (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     text        NOT NULL,
  content     text        NOT NULL,
  importance  real        NOT NULL DEFAULT 0.5 CHECK (importance BETWEEN 0 AND 1),
  embedding   vector(1536) NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS user_memories_embedding_hnsw
  ON user_memories USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX IF NOT EXISTS user_memories_user ON user_memories (user_id, created_at DESC);
