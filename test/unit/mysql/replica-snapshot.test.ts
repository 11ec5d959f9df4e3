/** Pure parts of the physical replica snapshot: health check, option file, slave info. */
import { describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/mysql/index.ts';
import { chooseStrategy } from '../../../engine/planner/index.ts';
import type { Workload } from '../../../engine/model/index.ts';
import { connectionOptions, optionValue } from '../../../adapters/mysql/mariabackup.ts';
import { replicaHealthProblem } from '../../../adapters/mysql/replica-snapshot.ts';
import { slaveInfoGtid } from '../../../adapters/mysql/replica-snapshot-restore.ts';

const healthy = {
  Slave_IO_Running: 'Yes',
  Slave_SQL_Running: 'Yes',
  Seconds_Behind_Master: '0',
};

describe('replicaHealthProblem', () => {
  it('accepts a running replica within the lag limit', () => {
    expect(replicaHealthProblem(healthy, 300)).toBeUndefined();
    expect(replicaHealthProblem({ ...healthy, Seconds_Behind_Master: 300 }, 300)).toBeUndefined();
  });
  it('refuses a server that is not a replica', () => {
    expect(replicaHealthProblem(undefined, 300)).toMatch(/not a replica/);
  });
  it('refuses stopped replication, naming the error', () => {
    expect(
      replicaHealthProblem({ ...healthy, Slave_SQL_Running: 'No', Last_SQL_Error: 'duplicate key' }, 300),
    ).toMatch(/SQL thread No: duplicate key/);
    expect(replicaHealthProblem({ ...healthy, Slave_IO_Running: 'Connecting' }, 300)).toMatch(
      /IO thread Connecting/,
    );
  });
  it('refuses a replica behind the limit or with unknown lag', () => {
    expect(replicaHealthProblem({ ...healthy, Seconds_Behind_Master: '301' }, 300)).toMatch(
      /301 s behind its primary \(limit 300 s\)/,
    );
    expect(replicaHealthProblem({ ...healthy, Seconds_Behind_Master: null }, 300)).toMatch(/unknown/);
  });
});

describe('mariabackup option file', () => {
  it('quotes values so any password survives', () => {
    expect(optionValue('a"b\\c#d')).toBe('"a\\"b\\\\c#d"');
  });
  it('connects over TCP with the credentials in the file', () => {
    const text = connectionOptions({
      host: 'db.local',
      port: 3307,
      user: 'backup',
      password: 'p w#1',
      site: { workload: 'w', server: 'db.local:3307', secrets: ['p w#1'] },
    });
    expect(text.split('\n')).toEqual([
      '[mariabackup]',
      'host="db.local"',
      'port=3307',
      'protocol=tcp',
      'user="backup"',
      'password="p w#1"',
      '',
    ]);
  });
});

describe('slaveInfoGtid', () => {
  it('reads the GTID mariabackup records with --slave-info', () => {
    expect(
      slaveInfoGtid(
        "SET GLOBAL gtid_slave_pos = '0-1-42,1-2-7';\nCHANGE MASTER TO master_use_gtid = slave_pos\n",
      ),
    ).toBe('0-1-42,1-2-7');
    expect(slaveInfoGtid("CHANGE MASTER TO MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4")).toBeUndefined();
  });
});

describe('planner with the mysql adapter', () => {
  const workload = (replicas: number): Workload => ({
    name: 'shop',
    engine: 'mysql',
    primary: { host: 'p', port: 3306, role: 'primary', url: 'mysql://p:3306/' },
    replicas: Array.from({ length: replicas }, (_, i) => ({
      host: `r${String(i)}`,
      port: 3306,
      role: 'replica' as const,
      url: `mysql://r${String(i)}:3306/`,
    })),
    databases: [],
    credentials: {},
    annotations: {},
    pvcs: [],
    source: 'url',
  });
  it('offers replica-snapshot when a replica exists, and refuses it without one', () => {
    const chosen = chooseStrategy({
      workload: workload(1),
      capabilities: mysqlAdapter.capabilities,
      requested: 'replica-snapshot',
    });
    expect(chosen.strategy).toBe('replica-snapshot');
    expect(() =>
      chooseStrategy({
        workload: workload(0),
        capabilities: mysqlAdapter.capabilities,
        requested: 'replica-snapshot',
      }),
    ).toThrow(/replica-snapshot was requested but it has no replica/);
  });
});
