-- The application role owns the app database but not the objects the superuser created above.
-- `{{owner}}` is the app role (rendered by components/postgres/postgres-objects.ts).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {{owner}};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {{owner}};
