// Command taskpilot runs TaskPilot, a self-hosted AI task assistant. Its
// commands:
//
//	serve     the MCP server and the chat server in one process
//	mcp       the task tools over MCP (stdio or Streamable HTTP)
//	chat      the chat assistant (web pages, ChatKit and REST) against a
//	          TaskPilot MCP server
//	migrate   apply pending database migrations
//	token     mint a bearer token for a user
//	user      manage accounts (add, list, passwd, disable, enable, delete,
//	          invite)
//	version   print the version
//
// Settings come from flags, then TASKPILOT_* environment variables, then
// the --config YAML file, then defaults. Run `taskpilot <command> --help`
// for a command's flags.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "taskpilot:", err)
		os.Exit(1)
	}
}
