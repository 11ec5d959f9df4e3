/**
 * The awkward-types corpus for PostgreSQL round trips: several schemas, mixed-case and
 * quoted identifiers, numeric precision and specials, timestamptz, intervals, arrays,
 * jsonb, bytea, enums, domains, sequences, partitioned tables, generated columns, views,
 * a materialized view, functions, triggers, foreign keys, text needing COPY escapes,
 * large objects.
 */
export const CORPUS_SQL = `
CREATE SCHEMA sales;
CREATE SCHEMA "Mixed Case";
CREATE TYPE sales.status AS ENUM ('new', 'paid', 'shipped', 'it''s done');
CREATE DOMAIN sales.positive_money AS numeric(20, 6) CHECK (VALUE >= 0);
CREATE SEQUENCE sales.invoice_no START 1000 INCREMENT 7;

CREATE TABLE sales.customers (
  id bigserial PRIMARY KEY,
  "Full Name" text NOT NULL,
  email text UNIQUE,
  tags text[],
  profile jsonb,
  avatar bytea,
  created timestamptz NOT NULL,
  birthday date,
  ratio double precision,
  small real,
  score numeric,
  since interval,
  active boolean,
  ip inet,
  id2 uuid
);

CREATE TABLE sales.orders (
  id bigint PRIMARY KEY DEFAULT nextval('sales.invoice_no'),
  customer_id bigint NOT NULL REFERENCES sales.customers(id),
  status sales.status NOT NULL DEFAULT 'new',
  amount sales.positive_money NOT NULL,
  quantity int NOT NULL,
  total numeric GENERATED ALWAYS AS (amount * quantity) STORED,
  placed timestamptz NOT NULL
);
CREATE INDEX orders_customer ON sales.orders (customer_id);

CREATE TABLE sales.audit (id serial PRIMARY KEY, order_id bigint, note text, at timestamptz);
CREATE FUNCTION sales.audit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sales.audit (order_id, note, at) VALUES (NEW.id, 'inserted ' || NEW.status, NEW.placed);
  RETURN NEW;
END $$;
CREATE TRIGGER orders_audit AFTER INSERT ON sales.orders FOR EACH ROW EXECUTE FUNCTION sales.audit_order();

CREATE TABLE "Mixed Case"."Events" (
  "Id" int NOT NULL,
  "When" timestamptz NOT NULL,
  "select" text,
  "we""ird" text,
  PRIMARY KEY ("Id", "When")
) PARTITION BY RANGE ("When");
CREATE TABLE "Mixed Case"."Events 2024" PARTITION OF "Mixed Case"."Events" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE "Mixed Case"."Events 2025" PARTITION OF "Mixed Case"."Events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE "Mixed Case"."Events default" PARTITION OF "Mixed Case"."Events" DEFAULT;

CREATE VIEW sales.order_totals AS
  SELECT c."Full Name" AS name, sum(o.total) AS total FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id GROUP BY 1;
CREATE MATERIALIZED VIEW sales.status_counts AS SELECT status, count(*) AS n FROM sales.orders GROUP BY status;
CREATE FUNCTION "Mixed Case"."Add"(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';

CREATE TABLE public.empty_table (id int);
CREATE TABLE public.dropped_col (a int, b text, c int);
ALTER TABLE public.dropped_col DROP COLUMN b;

INSERT INTO sales.customers ("Full Name", email, tags, profile, avatar, created, birthday, ratio, small, score, since, active, ip, id2) VALUES
  ('Zoë "Zed" O''Brien', 'zoe@example.com', ARRAY['vip', 'tab\there', NULL, 'comma,inside', '{brace}'],
   '{"nested": {"a": [1, 2.5, null, "x"]}, "emoji": "🚀", "big": 12345678901234567890}',
   '\\x00010203fffe5c0a0d', '2024-02-29 23:59:59.999999+05:30', '2000-02-29', 1e-300, 3.4e38,
   123456789012345678901234567890.123456789012345678901234567890, '1 year 2 mons 3 days 04:05:06.789', true, '2001:db8::1/128', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (E'Line\\nbreak and back\\\\slash', NULL, '{}', 'null', '\\x', 'infinity', NULL, 'NaN', '-Infinity', 'NaN', '-00:00:01', false, '10.0.0.1', NULL),
  ('日本語 テキスト', 'jp@example.com', NULL, '[]', NULL, '-infinity', '0001-01-01 BC', -0.0, 1.17549435e-38, -0.000000000000000000001, NULL, NULL, NULL, NULL);
INSERT INTO sales.customers ("Full Name", email, created, profile, score)
  SELECT 'customer ' || g, 'c' || g || '@example.com', timestamptz '2024-01-01 00:00:00+00' + g * interval '37 minutes',
         jsonb_build_object('n', g, 'name', md5(g::text)), g / 7.0
    FROM generate_series(1, 500) g;
INSERT INTO sales.orders (customer_id, status, amount, quantity, placed)
  SELECT 1 + g % 500, (ARRAY['new', 'paid', 'shipped', 'it''s done']::sales.status[])[1 + g % 4], (g * 3.14159)::numeric(20, 6), 1 + g % 9,
         timestamptz '2024-06-01 12:00:00+02' + g * interval '1 hour'
    FROM generate_series(1, 2000) g;
INSERT INTO "Mixed Case"."Events" ("Id", "When", "select", "we""ird")
  SELECT g, timestamptz '2023-12-01 00:00:00+00' + g * interval '9 hours', 'sel ' || g, E'q"\\\\' || g
    FROM generate_series(1, 3000) g;
INSERT INTO public.dropped_col (a, c) VALUES (1, 2), (3, NULL);
CREATE TABLE public.docs (id int PRIMARY KEY, body oid);
INSERT INTO public.docs SELECT g, lo_from_bytea(0, convert_to(repeat('large object ' || g || E'\\n', 500), 'UTF8')) FROM generate_series(1, 3) g;
SELECT nextval('sales.invoice_no');
REFRESH MATERIALIZED VIEW sales.status_counts;
`;
