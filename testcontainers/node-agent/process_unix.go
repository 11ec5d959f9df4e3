package main

import (
	"os/exec"
	"syscall"
)

// processGroup starts the command in its own process group, so a cancelled exec (client
// gone, stream closed) stops the command's children too.
func processGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
