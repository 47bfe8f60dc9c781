package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion is set at link time:
//
//	go build -ldflags "-X main.buildVersion=v1.2.3" ./cmd/taskpilot
var buildVersion = "dev"

// version returns buildVersion or, when it was not set, the module version
// the Go toolchain recorded (e.g. by go install …@v1.2.3), else "dev".
func version() string {
	if buildVersion != "dev" {
		return buildVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return buildVersion
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  taskpilot version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "taskpilot", version())
			return err
		},
	}
}
