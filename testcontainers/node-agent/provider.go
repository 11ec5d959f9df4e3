package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
	utilexec "k8s.io/utils/exec"
)

// processProvider keeps the pods bound to this node in memory and reports them Running
// at once; a container is a directory and exec runs a local process in it.
type processProvider struct {
	nodeName string
	workDir  string

	mu     sync.Mutex
	pods   map[string]*corev1.Pod
	notify func(*corev1.Pod)
}

func newProcessProvider(nodeName, workDir string) *processProvider {
	return &processProvider{nodeName: nodeName, workDir: workDir, pods: map[string]*corev1.Pod{}}
}

func key(namespace, name string) string { return namespace + "/" + name }

// containerDir is the container's working directory (its stand-in root filesystem).
func (p *processProvider) containerDir(namespace, pod, container string) string {
	return filepath.Join(p.workDir, namespace, pod, container)
}

func running(pod *corev1.Pod) corev1.PodStatus {
	now := metav1.NewTime(time.Now())
	status := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    "127.0.0.1",
		HostIPs:   []corev1.HostIP{{IP: "127.0.0.1"}},
		PodIP:     "127.0.0.1",
		PodIPs:    []corev1.PodIP{{IP: "127.0.0.1"}},
		StartTime: &now,
	}
	for _, t := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		status.Conditions = append(status.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{
			Name:         c.Name,
			Image:        c.Image,
			ImageID:      c.Image,
			Ready:        true,
			Started:      boolPtr(true),
			ContainerID:  "process://" + string(pod.UID) + "/" + c.Name,
			State:        corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
			RestartCount: 0,
		})
	}
	return status
}

func boolPtr(b bool) *bool { return &b }

func (p *processProvider) CreatePod(_ context.Context, pod *corev1.Pod) error {
	for _, c := range pod.Spec.Containers {
		if err := os.MkdirAll(p.containerDir(pod.Namespace, pod.Name, c.Name), 0o700); err != nil {
			return err
		}
	}
	stored := pod.DeepCopy()
	stored.Status = running(pod)
	p.mu.Lock()
	p.pods[key(pod.Namespace, pod.Name)] = stored
	notify := p.notify
	p.mu.Unlock()
	if notify != nil {
		notify(stored.DeepCopy())
	}
	return nil
}

func (p *processProvider) UpdatePod(_ context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	old, ok := p.pods[key(pod.Namespace, pod.Name)]
	if !ok {
		return errdefs.NotFoundf("pod %s/%s is not on this node", pod.Namespace, pod.Name)
	}
	updated := pod.DeepCopy()
	updated.Status = old.Status
	p.pods[key(pod.Namespace, pod.Name)] = updated
	return nil
}

func (p *processProvider) DeletePod(_ context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	stored, ok := p.pods[key(pod.Namespace, pod.Name)]
	delete(p.pods, key(pod.Namespace, pod.Name))
	notify := p.notify
	p.mu.Unlock()
	if !ok {
		return errdefs.NotFoundf("pod %s/%s is not on this node", pod.Namespace, pod.Name)
	}
	_ = os.RemoveAll(filepath.Join(p.workDir, pod.Namespace, pod.Name))
	done := stored.DeepCopy()
	done.Status.Phase = corev1.PodSucceeded
	now := metav1.NewTime(time.Now())
	for i := range done.Status.ContainerStatuses {
		done.Status.ContainerStatuses[i].Ready = false
		done.Status.ContainerStatuses[i].State = corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", FinishedAt: now},
		}
	}
	if notify != nil {
		notify(done)
	}
	return nil
}

func (p *processProvider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pod, ok := p.pods[key(namespace, name)]
	if !ok {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	}
	return pod.DeepCopy(), nil
}

func (p *processProvider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

func (p *processProvider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pods := make([]*corev1.Pod, 0, len(p.pods))
	for _, pod := range p.pods {
		pods = append(pods, pod.DeepCopy())
	}
	return pods, nil
}

// NotifyPods registers the callback that pushes status changes to the API server.
func (p *processProvider) NotifyPods(_ context.Context, notify func(*corev1.Pod)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notify = notify
}

// RunInContainer runs cmd as a local process in the container's directory, with the
// container's environment (values the pod controller resolved, Secrets included) and
// nothing of this agent's own environment but PATH. A non-zero exit is reported as the
// kubelet does, so the API server's client sees the exit code on the status channel.
func (p *processProvider) RunInContainer(ctx context.Context, namespace, name, container string, cmd []string, attach api.AttachIO) error {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return err
	}
	var spec *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == container {
			spec = &pod.Spec.Containers[i]
		}
	}
	if spec == nil {
		return errdefs.NotFoundf("container %s is not in pod %s/%s", container, namespace, name)
	}
	if len(cmd) == 0 {
		return errdefs.InvalidInput("no command")
	}
	if attach.TTY() {
		return errdefs.InvalidInput("this node agent has no terminals")
	}
	dir := p.containerDir(namespace, name, container)
	proc := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
	proc.Dir = dir
	proc.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for _, e := range spec.Env {
		if e.ValueFrom == nil {
			proc.Env = append(proc.Env, e.Name+"="+e.Value)
		}
	}
	proc.SysProcAttr = processGroup()
	proc.Cancel = func() error { return killGroup(proc) }
	proc.WaitDelay = 5 * time.Second
	if in := attach.Stdin(); in != nil {
		proc.Stdin = in
	}
	if out := attach.Stdout(); out != nil {
		proc.Stdout = out
		defer out.Close()
	}
	if errOut := attach.Stderr(); errOut != nil {
		proc.Stderr = errOut
		defer errOut.Close()
	}
	err = proc.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.Exited() {
		return utilexec.CodeExitError{Err: err, Code: exitErr.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("exec %q in %s/%s/%s: %w", cmd[0], namespace, name, container, err)
	}
	return nil
}

func (p *processProvider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return errdefs.InvalidInput("this node agent has no container main process to attach to")
}

func (p *processProvider) GetContainerLogs(context.Context, string, string, string, api.ContainerLogOpts) (io.ReadCloser, error) {
	return io.NopCloser(&emptyReader{}), nil
}

func (p *processProvider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return &statsv1alpha1.Summary{Node: statsv1alpha1.NodeStats{NodeName: p.nodeName}}, nil
}

func (p *processProvider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, nil
}

func (p *processProvider) PortForward(context.Context, string, string, int32, io.ReadWriteCloser) error {
	return errdefs.InvalidInput("this node agent does not forward ports (pods listen on 127.0.0.1 already)")
}

type emptyReader struct{}

func (*emptyReader) Read([]byte) (int, error) { return 0, io.EOF }
