// Command csi-localdir is a test-only CSI driver whose volumes are directories: it lets
// the real snapshot-controller and csi-snapshotter sidecar take VolumeSnapshots of a
// database whose data directory lives in such a volume, with no kubelet and no storage.
//
//	csi-localdir serve --endpoint unix:///run/csi.sock --root DIR [--name localdir.csi.lifeboat.dev]
//	csi-localdir create-volume --endpoint unix:///run/csi.sock --name NAME [--snapshot ID]
//
// Volumes live in DIR/volumes/<id>, snapshots in DIR/snapshots/<id> (a `cp -a` copy of
// the volume taken by CreateSnapshot; consistent because the database is fenced while it
// runs). A file DIR/create-snapshot-delay holding milliseconds makes CreateSnapshot wait
// that long first (a slow storage backend, for deadline tests). `create-volume` is a CSI
// client: it calls CreateVolume on a running driver (the test harness stands in for the
// external-provisioner with it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const defaultName = "localdir.csi.lifeboat.dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: csi-localdir serve|create-volume [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "create-volume":
		createVolume(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func socketPath(endpoint string) string {
	return strings.TrimPrefix(endpoint, "unix://")
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "unix:///path/to/csi.sock")
	root := fs.String("root", "", "directory holding volumes/ and snapshots/")
	name := fs.String("name", defaultName, "CSI driver name")
	_ = fs.Parse(args)
	if *endpoint == "" || *root == "" {
		log.Fatal("--endpoint and --root are required")
	}
	d, err := newDriver(*name, *root)
	if err != nil {
		log.Fatal(err)
	}
	path := socketPath(*endpoint)
	_ = os.Remove(path)
	lis, err := net.Listen("unix", path)
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		res, err := h(ctx, req)
		if err != nil {
			log.Printf("%s: %v", info.FullMethod, err)
		} else {
			log.Printf("%s: ok", info.FullMethod)
		}
		return res, err
	}))
	csi.RegisterIdentityServer(srv, d)
	csi.RegisterControllerServer(srv, d)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		srv.GracefulStop()
	}()
	log.Printf("%s serving on %s, root %s", *name, path, *root)
	if err := srv.Serve(lis); err != nil {
		log.Fatal(err)
	}
}

func createVolume(args []string) {
	fs := flag.NewFlagSet("create-volume", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "unix:///path/to/csi.sock")
	name := fs.String("name", "", "volume name (idempotency key)")
	snapshot := fs.String("snapshot", "", "snapshot id to restore from")
	_ = fs.Parse(args)
	if *endpoint == "" || *name == "" {
		log.Fatal("--endpoint and --name are required")
	}
	conn, err := grpc.NewClient("unix://"+socketPath(*endpoint), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req := &csi.CreateVolumeRequest{
		Name: *name,
		VolumeCapabilities: []*csi.VolumeCapability{{
			AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
			AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
		}},
	}
	if *snapshot != "" {
		req.VolumeContentSource = &csi.VolumeContentSource{
			Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: *snapshot}},
		}
	}
	res, err := csi.NewControllerClient(conn).CreateVolume(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"volumeId": res.Volume.VolumeId, "capacityBytes": res.Volume.CapacityBytes})
	fmt.Println(string(out))
}
