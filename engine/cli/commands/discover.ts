/**
 * `lifeboat discover`: the database workloads a cluster holds, grouped into applications,
 * with why each matched and what was skipped and why. Credentials are shown as Secret
 * references only: the report never carries a secret value.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from '../../errors.ts';
import { createKubeClient, describeDiscovery, discover, discoveryReport } from '../../kube/index.ts';

interface DiscoverFlags {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly output: 'table' | 'json' | 'yaml';
  readonly kubeconfig?: string;
  readonly checkCredentials?: boolean;
}

function format(value: string): DiscoverFlags['output'] {
  if (value !== 'table' && value !== 'json' && value !== 'yaml') {
    throw new InvalidArgumentError('expected "table", "json" or "yaml"');
  }
  return value;
}

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description('find database workloads in a Kubernetes cluster and show how they would be protected')
    .option('-n, --namespace <ns>', 'only this namespace (default: the kubeconfig context namespace)')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-o, --output <format>', 'table, json or yaml', format, 'table')
    .option('--kubeconfig <path>', 'kubeconfig file (else KUBECONFIG, ~/.kube/config, in-cluster)')
    .option(
      '--check-credentials',
      'read the referenced Secrets to check they hold the keys (values are never shown)',
    )
    .action(async (flags: DiscoverFlags) => {
      if (flags.namespace && flags.allNamespaces)
        throw new UsageError('use either -n NAMESPACE or -A, not both');
      const client = createKubeClient(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {});
      const namespace = flags.allNamespaces ? undefined : (flags.namespace ?? client.defaultNamespace);
      // Showing references needs no Secret: reading them costs one GET each (and the RBAC
      // right to), so only --check-credentials does. The report never holds a value either way.
      const readSecrets = flags.checkCredentials ?? false;
      const result = await discover(
        client,
        namespace === undefined ? { readSecrets } : { namespace, readSecrets },
      );
      const report = discoveryReport(result);
      if (flags.output === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (flags.output === 'yaml') process.stdout.write(stringify(report));
      else process.stdout.write(describeDiscovery(report));
    });
}
