// Command node-agent is a test-only Kubernetes node for Lifeboat's test API server (which
// has no kubelet): it registers a Node, reports the pods bound to it as Running on
// 127.0.0.1, and serves the kubelet API over mutual TLS, so the API server's
// `pods/exec` path (client → kube-apiserver → kubelet → process) is real.
//
// It stands in for a container runtime without isolating anything: a container is a
// working directory, and `exec` runs the command as a local process there, with the
// container's environment from the pod spec. Built on github.com/virtual-kubelet.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func main() {
	var (
		kubeconfig = flag.String("kubeconfig", "", "kubeconfig of the API server to register with")
		nodeName   = flag.String("node-name", "lifeboat-test-node", "name of the Node object")
		port       = flag.Int("port", 10250, "port of the kubelet API on 127.0.0.1")
		tlsCert    = flag.String("tls-cert", "", "serving certificate (PEM), for 127.0.0.1")
		tlsKey     = flag.String("tls-key", "", "serving key (PEM)")
		clientCA   = flag.String("client-ca", "", "CA that signs the API server's kubelet client certificate")
		workDir    = flag.String("work-dir", "", "root of the containers' working directories")
	)
	flag.Parse()
	if *kubeconfig == "" || *tlsCert == "" || *tlsKey == "" || *clientCA == "" || *workDir == "" {
		fmt.Fprintln(os.Stderr, "node-agent: -kubeconfig, -tls-cert, -tls-key, -client-ca and -work-dir are required")
		os.Exit(2)
	}
	if err := run(*kubeconfig, *nodeName, *port, *tlsCert, *tlsKey, *clientCA, *workDir); err != nil {
		fmt.Fprintf(os.Stderr, "node-agent: %v\n", err)
		os.Exit(1)
	}
}

func run(kubeconfig, nodeName string, port int, tlsCert, tlsKey, clientCA, workDir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	client, err := nodeutil.ClientsetFromEnv(kubeconfig)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	newProvider := func(cfg nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		describeNode(cfg.Node, port)
		return newProcessProvider(nodeName, workDir), nil, nil
	}
	n, err := nodeutil.NewNode(nodeName, newProvider,
		nodeutil.WithClient(client),
		func(cfg *nodeutil.NodeConfig) error {
			cfg.HTTPListenAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			// The API server is the only client: mutual TLS with its kubelet client
			// certificate stands in for the kubelet's webhook authorization.
			cfg.Handler = mux
			cfg.NumWorkers = 4
			cfg.InformerResyncPeriod = time.Minute
			return nil
		},
		nodeutil.WithTLSConfig(nodeutil.WithKeyPairFromPath(tlsCert, tlsKey), nodeutil.WithCAFromPath(clientCA)),
		nodeutil.AttachProviderRoutes(mux),
	)
	if err != nil {
		return err
	}
	go func() {
		if err := n.Run(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "node-agent: %v\n", err)
			os.Exit(1)
		}
	}()
	if err := n.WaitReady(ctx, time.Minute); err != nil {
		return err
	}
	fmt.Printf("node-agent: node %s ready, kubelet API on 127.0.0.1:%d\n", nodeName, port)
	<-ctx.Done()
	<-n.Done()
	return nil
}

// describeNode sets what the API server needs to reach this kubelet: its address and port.
func describeNode(node *corev1.Node, port int) {
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("8"),
		corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	node.Status.Capacity = capacity
	node.Status.Allocatable = capacity
	node.Status.NodeInfo.KubeletVersion = "lifeboat-node-agent"
	node.Status.NodeInfo.OperatingSystem = "linux"
	node.Status.NodeInfo.Architecture = "amd64"
}
