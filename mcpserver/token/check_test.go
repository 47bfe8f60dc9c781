package token_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/mcpserver/token"
)

// TestCheckSubject: a valid token of a subject the check refuses is an
// invalid token; a check that cannot answer is not a rejection.
func TestCheckSubject(t *testing.T) {
	t.Parallel()
	down := errors.New("database down")
	v, err := token.NewVerifier(token.Config{Secret: secret, Audience: audience,
		CheckSubject: func(_ context.Context, sub string) error {
			switch sub {
			case "alice":
				return nil
			case "carol":
				return down
			}
			return fmt.Errorf("%w: account %s is disabled", token.ErrInvalidToken, sub)
		}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ctx := context.Background()
	if c, err := v.Verify(ctx, mustMint(t, secret, "alice", audience, "", time.Hour, now)); err != nil || c.Subject != "alice" {
		t.Errorf("alice: %+v, %v", c, err)
	}
	if _, err := v.Verify(ctx, mustMint(t, secret, "dave", audience, "", time.Hour, now)); !errors.Is(err, token.ErrInvalidToken) {
		t.Errorf("dave (refused by the check): %v, want ErrInvalidToken", err)
	}
	_, err = v.Verify(ctx, mustMint(t, secret, "carol", audience, "", time.Hour, now))
	if !errors.Is(err, down) || errors.Is(err, token.ErrInvalidToken) {
		t.Errorf("carol (check failed): %v, want the check's error, not a rejection", err)
	}
}
