package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// driver implements the CSI Identity and Controller services over directories.
type driver struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedControllerServer
	name string
	root string
	mu   sync.Mutex // serialises creations and deletions (idempotency by name)
}

// snapshotMeta is stored next to each snapshot directory as <id>.json.
type snapshotMeta struct {
	Source    string `json:"source"`
	CreatedNs int64  `json:"createdNs"`
	SizeBytes int64  `json:"sizeBytes"`
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func newDriver(name, root string) (*driver, error) {
	for _, sub := range []string{"volumes", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			return nil, err
		}
	}
	return &driver{name: name, root: root}, nil
}

func (d *driver) volumeDir(id string) string   { return filepath.Join(d.root, "volumes", id) }
func (d *driver) snapshotDir(id string) string { return filepath.Join(d.root, "snapshots", id) }
func (d *driver) snapshotMetaPath(id string) string {
	return filepath.Join(d.root, "snapshots", id+".json")
}

func checkID(kind, id string) error {
	if !safeID.MatchString(id) {
		return status.Errorf(codes.InvalidArgument, "%s id %q is not a plain name", kind, id)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// copyTree copies src's contents into a fresh dst with `cp -a` semantics (owners, modes,
// times; reflinks where the filesystem has them), through a temporary sibling renamed
// into place so a half-made copy is never visible.
func copyTree(ctx context.Context, src, dst string) error {
	tmp := dst + ".partial"
	_ = os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "cp", "-a", "--reflink=auto", src+"/.", tmp+"/").CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("cp -a %s: %v: %s", src, err, strings.TrimSpace(string(out)))
	}
	return os.Rename(tmp, dst)
}

func treeSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if info, err := e.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func (d *driver) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	caps := []csi.ControllerServiceCapability_RPC_Type{
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME,
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT,
		csi.ControllerServiceCapability_RPC_LIST_SNAPSHOTS,
	}
	res := &csi.ControllerGetCapabilitiesResponse{}
	for _, c := range caps {
		res.Capabilities = append(res.Capabilities, &csi.ControllerServiceCapability{
			Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: c}},
		})
	}
	return res, nil
}

// createDelay is the test knob: milliseconds in <root>/create-snapshot-delay, else 0.
func (d *driver) createDelay() time.Duration {
	b, err := os.ReadFile(filepath.Join(d.root, "create-snapshot-delay"))
	if err != nil {
		return 0
	}
	ms, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || ms < 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

func (d *driver) readSnapshot(id string) (*csi.Snapshot, error) {
	b, err := os.ReadFile(d.snapshotMetaPath(id))
	if err != nil {
		return nil, err
	}
	var m snapshotMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &csi.Snapshot{
		SnapshotId:     id,
		SourceVolumeId: m.Source,
		SizeBytes:      m.SizeBytes,
		CreationTime:   timestamppb.New(time.Unix(0, m.CreatedNs)),
		ReadyToUse:     true,
	}, nil
}

func (d *driver) CreateSnapshot(ctx context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	id, source := req.GetName(), req.GetSourceVolumeId()
	if err := checkID("snapshot", id); err != nil {
		return nil, err
	}
	if err := checkID("volume", source); err != nil {
		return nil, err
	}
	if delay := d.createDelay(); delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, status.Error(codes.DeadlineExceeded, "cancelled while delayed")
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, err := d.readSnapshot(id); err == nil {
		if s.SourceVolumeId != source {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %s exists for volume %s", id, s.SourceVolumeId)
		}
		return &csi.CreateSnapshotResponse{Snapshot: s}, nil
	}
	if !exists(d.volumeDir(source)) {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", source)
	}
	created := time.Now()
	if err := copyTree(ctx, d.volumeDir(source), d.snapshotDir(id)); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	m := snapshotMeta{Source: source, CreatedNs: created.UnixNano(), SizeBytes: treeSize(d.snapshotDir(id))}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(d.snapshotMetaPath(id), b, 0o644); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	s, err := d.readSnapshot(id)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.CreateSnapshotResponse{Snapshot: s}, nil
}

func (d *driver) DeleteSnapshot(_ context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if err := checkID("snapshot", id); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.RemoveAll(d.snapshotDir(id)); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := os.Remove(d.snapshotMetaPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.DeleteSnapshotResponse{}, nil
}

func (d *driver) ListSnapshots(_ context.Context, req *csi.ListSnapshotsRequest) (*csi.ListSnapshotsResponse, error) {
	var ids []string
	if id := req.GetSnapshotId(); id != "" {
		ids = []string{id}
	} else {
		matches, _ := filepath.Glob(filepath.Join(d.root, "snapshots", "*.json"))
		for _, m := range matches {
			ids = append(ids, strings.TrimSuffix(filepath.Base(m), ".json"))
		}
		sort.Strings(ids)
	}
	start := 0
	if tok := req.GetStartingToken(); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(ids) {
			return nil, status.Errorf(codes.Aborted, "bad starting token %q", tok)
		}
		start = n
	}
	res := &csi.ListSnapshotsResponse{}
	for i := start; i < len(ids); i++ {
		s, err := d.readSnapshot(ids[i])
		if err != nil {
			continue
		}
		if src := req.GetSourceVolumeId(); src != "" && s.SourceVolumeId != src {
			continue
		}
		res.Entries = append(res.Entries, &csi.ListSnapshotsResponse_Entry{Snapshot: s})
		if max := int(req.GetMaxEntries()); max > 0 && len(res.Entries) == max && i+1 < len(ids) {
			res.NextToken = strconv.Itoa(i + 1)
			break
		}
	}
	return res, nil
}

func (d *driver) CreateVolume(ctx context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	id := req.GetName()
	if err := checkID("volume", id); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	source := req.GetVolumeContentSource()
	if !exists(d.volumeDir(id)) {
		if snap := source.GetSnapshot(); snap != nil {
			if err := checkID("snapshot", snap.GetSnapshotId()); err != nil {
				return nil, err
			}
			if _, err := d.readSnapshot(snap.GetSnapshotId()); err != nil {
				return nil, status.Errorf(codes.NotFound, "snapshot %s not found", snap.GetSnapshotId())
			}
			if err := copyTree(ctx, d.snapshotDir(snap.GetSnapshotId()), d.volumeDir(id)); err != nil {
				return nil, status.Error(codes.Internal, err.Error())
			}
		} else if source != nil {
			return nil, status.Error(codes.InvalidArgument, "only snapshot content sources are supported")
		} else if err := os.Mkdir(d.volumeDir(id), 0o700); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	return &csi.CreateVolumeResponse{Volume: &csi.Volume{
		VolumeId:      id,
		CapacityBytes: treeSize(d.volumeDir(id)),
		ContentSource: source,
	}}, nil
}

func (d *driver) DeleteVolume(_ context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	id := req.GetVolumeId()
	if err := checkID("volume", id); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.RemoveAll(d.volumeDir(id)); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.DeleteVolumeResponse{}, nil
}

func (d *driver) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if err := checkID("volume", req.GetVolumeId()); err != nil {
		return nil, err
	}
	if !exists(d.volumeDir(req.GetVolumeId())) {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", req.GetVolumeId())
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeCapabilities: req.GetVolumeCapabilities(),
	}}, nil
}
