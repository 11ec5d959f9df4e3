/**
 * The awkward-types corpus for MariaDB round trips: utf8mb4 emoji, DECIMAL(65,30), BIT,
 * ENUM/SET, JSON, binary BLOBs, zero dates, TIMESTAMP vs DATETIME, generated and
 * invisible columns, AUTO_INCREMENT positions, a foreign key, plus triggers, routines,
 * an event and views (one over another).
 */
import type { Connection } from 'mysql2/promise';

/** Statements run in `db` (already created and selected). */
export const CORPUS_STATEMENTS: readonly string[] = [
  `CREATE TABLE kinds (
    id INT AUTO_INCREMENT PRIMARY KEY,
    txt VARCHAR(200) CHARACTER SET utf8mb4,
    latin VARCHAR(50) CHARACTER SET latin1,
    dec65 DECIMAL(65,30),
    flt FLOAT, dbl DOUBLE,
    big BIGINT UNSIGNED,
    bits BIT(13),
    color ENUM('red','green','blue'),
    flags SET('a','b','c'),
    doc JSON,
    bin BLOB,
    fixedbin BINARY(4),
    d DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, t TIME(2), y YEAR,
    total INT AS (id * 2) VIRTUAL,
    stored_len INT AS (CHAR_LENGTH(txt)) STORED,
    hidden INT INVISIBLE DEFAULT 7
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `INSERT INTO kinds (txt, latin, dec65, flt, dbl, big, bits, color, flags, doc, bin, fixedbin, d, dt, ts, t, y) VALUES
    ('emoji 🚀🦄 and ünïcödé', 'café', '12345678901234567890123456789012345.123456789012345678901234567890', 3.14159, 2.718281828459045, 18446744073709551615, b'1010101010101', 'green', 'a,c', '{"k": [1, 2.5, "x", null, {"n": "🚀"}]}', 0x00FF0A0D5C27221A00, 0x00010203, '2024-02-29', '2024-02-29 23:59:59.123456', '2024-03-31 01:30:00.250', '-838:59:59.00', 2155),
    ('quote '' backslash \\\\ newline \\n tab \\t nul \\0 end', NULL, '-0.000000000000000000000000000001', -1.5e-10, -1.7976931348623157e308, 0, b'0', 'red', '', '[]', '', 0x00000000, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '00:00:00', 0000),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  'INSERT INTO kinds (id, txt) VALUES (1000, "jump")',
  'DELETE FROM kinds WHERE id = 1000',
  `CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB`,
  `CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT NOT NULL, note TEXT,
     FOREIGN KEY (parent_id) REFERENCES parent(id)) ENGINE=InnoDB`,
  `INSERT INTO parent VALUES (1, 'one'), (2, 'two')`,
  `INSERT INTO child (parent_id, note) VALUES (1, 'a'), (2, 'b'), (2, REPEAT('long ', 500))`,
  `CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100)) ENGINE=InnoDB`,
  `CREATE TABLE \`odd name/with\`\`tick\` (\`col with space\` INT PRIMARY KEY) ENGINE=InnoDB`,
  'INSERT INTO `odd name/with``tick` VALUES (1), (2)',
  `CREATE TABLE empty_one (id INT PRIMARY KEY) ENGINE=InnoDB`,
  `CREATE TABLE indexed (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100), city VARCHAR(50), body TEXT,
     UNIQUE KEY uq_email (email), KEY idx_city (city, id), FULLTEXT KEY ft_body (body)) ENGINE=InnoDB`,
  `INSERT INTO indexed (email, city, body) VALUES ('a@x', 'Oslo', 'fjord'), ('b@x', 'Lima', 'andes'), (NULL, NULL, NULL)`,
  `CREATE TABLE ai_key (k INT PRIMARY KEY, seq INT NOT NULL AUTO_INCREMENT, KEY seq_key (seq)) ENGINE=InnoDB`,
  `INSERT INTO ai_key (k) VALUES (10), (20)`,
  `CREATE TRIGGER child_ai AFTER INSERT ON child FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('child ', NEW.id))`,
  `CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2`,
  `CREATE PROCEDURE add_parent(IN p_id INT, IN p_name VARCHAR(20))
   BEGIN
     INSERT INTO parent VALUES (p_id, p_name);
     SELECT COUNT(*) FROM parent;
   END`,
  `CREATE VIEW parent_names AS SELECT id, name FROM parent`,
  `CREATE VIEW parent_names_doubled AS SELECT id, double_it(id) AS d2, name FROM parent_names`,
  `CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM audit WHERE id < 0`,
];

/** Create `db` and fill it with the corpus. */
export async function seedCorpus(conn: Connection, db: string): Promise<void> {
  await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${db}\``);
  await conn.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  await conn.query("SET SESSION time_zone = '+00:00'");
  for (const sql of CORPUS_STATEMENTS) await conn.query(sql);
}

/**
 * A content comparison independent of the adapter's encoding: every table's rows as the
 * server prints them (HEX for binary-ish columns), ordered by all columns, plus the
 * object definitions and AUTO_INCREMENT positions. Equal snapshots mean equal databases.
 */
export async function contentSnapshot(conn: Connection, db: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const [tables] = (await conn.query(
    'SELECT TABLE_NAME AS n, TABLE_TYPE AS t, AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db],
  )) as unknown as [{ n: string; t: string; ai: number | null }[]];
  for (const t of tables) {
    const [cols] = (await conn.query(
      'SELECT COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [db, t.n],
    )) as unknown as [{ c: string; d: string }[]];
    const exprs = cols.map((c) =>
      /blob|binary|bit|geometry/.test(c.d) ? `HEX(\`${c.c}\`)` : `CAST(\`${c.c}\` AS CHAR)`,
    );
    const [rows] = (await conn.query({
      sql: `SELECT ${exprs.join(', ')} FROM \`${db}\`.\`${t.n.replaceAll('`', '``')}\` ORDER BY ${exprs.map((_, i) => i + 1).join(', ')}`,
      rowsAsArray: true,
    })) as unknown as [unknown[][]];
    out[`${t.t}:${t.n}`] = { autoIncrement: t.ai, columns: cols, rows };
  }
  const [routines] = (await conn.query(
    'SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1',
    [db],
  )) as unknown as [unknown[]];
  const [triggers] = (await conn.query(
    'SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1',
    [db],
  )) as unknown as [unknown[]];
  const [events] = (await conn.query(
    'SELECT EVENT_NAME, EVENT_DEFINITION, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1',
    [db],
  )) as unknown as [unknown[]];
  const [views] = (await conn.query(
    'SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1',
    [db],
  )) as unknown as [{ TABLE_NAME: string; VIEW_DEFINITION: string }[]];
  const [indexes] = (await conn.query(
    'SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY 1, 2, 4',
    [db],
  )) as unknown as [unknown[]];
  out.indexes = indexes;
  out.routines = routines;
  out.triggers = triggers;
  out.events = events;
  // View definitions name their own database: compare them with it taken out.
  out.views = views.map((v) => ({ ...v, VIEW_DEFINITION: v.VIEW_DEFINITION.replaceAll(`\`${db}\`.`, '') }));
  return out;
}
