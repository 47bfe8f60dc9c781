package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
	"github.com/taskpilot/taskpilot/models/store/storetest"
)

// TestOAuthTokens: the authorization server's records by signature, the
// one-winner spend that replay and reuse detection rely on, revocation by
// grant, the sweep, and deletion with the grant's account.
func TestOAuthTokens(t *testing.T) {
	forEachFreshBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.CreateAccount(ctx, "alice", "h"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"g1", "g2"} {
			if err := s.CreateOAuthGrant(ctx, store.OAuthGrant{ID: id, Account: "alice", ClientID: "c", Scopes: []string{"read"}}); err != nil {
				t.Fatal(err)
			}
		}
		later := time.Now().Add(time.Hour)
		mk := func(kind, sig, grant string) {
			t.Helper()
			if err := s.CreateOAuthToken(ctx, store.OAuthToken{Kind: kind, Signature: sig, GrantID: grant, Active: true, Data: `{"id":"` + grant + `"}`, ExpiresAt: later}); err != nil {
				t.Fatal(err)
			}
		}
		mk(store.OAuthCode, "code-1", "g1")
		mk(store.OAuthRefresh, "rt-1", "g1")
		mk(store.OAuthRefresh, "rt-2", "g1")
		mk(store.OAuthAccess, "at-1", "g1")
		mk(store.OAuthRefresh, "rt-other", "g2")

		got, err := s.GetOAuthToken(ctx, store.OAuthCode, "code-1")
		if err != nil || !got.Active || got.GrantID != "g1" || got.Data != `{"id":"g1"}` || !got.ExpiresAt.Equal(later.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("GetOAuthToken = %+v, %v", got, err)
		}
		if _, err := s.GetOAuthToken(ctx, store.OAuthRefresh, "code-1"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a code's signature as a refresh token: %v, want ErrNotFound", err)
		}
		if err := s.CreateOAuthToken(ctx, store.OAuthToken{Kind: store.OAuthCode, Signature: "code-1", GrantID: "g1", ExpiresAt: later}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second code-1: %v, want ErrConflict", err)
		}
		if err := s.CreateOAuthToken(ctx, store.OAuthToken{Kind: store.OAuthCode, Signature: "c9", GrantID: "nope", ExpiresAt: later}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("token of an unknown grant: %v, want ErrNotFound", err)
		}

		// Eight redeemers of one code at once: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				ok, err := s.SpendOAuthToken(ctx, store.OAuthCode, "code-1")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d concurrent spends won, want 1", wins)
		}
		if got, _ := s.GetOAuthToken(ctx, store.OAuthCode, "code-1"); got.Active {
			t.Fatal("a spent code is still active")
		}
		if ok, err := s.SpendOAuthToken(ctx, store.OAuthCode, "missing"); ok || err != nil {
			t.Fatalf("spend missing = %v, %v", ok, err)
		}

		// Revoking g1's refresh tokens leaves g2's alone.
		if err := s.DeactivateOAuthTokens(ctx, store.OAuthRefresh, "g1"); err != nil {
			t.Fatal(err)
		}
		for sig, want := range map[string]bool{"rt-1": false, "rt-2": false, "rt-other": true} {
			if got, _ := s.GetOAuthToken(ctx, store.OAuthRefresh, sig); got.Active != want {
				t.Errorf("%s active = %v, want %v", sig, got.Active, want)
			}
		}
		if err := s.DeleteOAuthTokens(ctx, store.OAuthAccess, "g1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetOAuthToken(ctx, store.OAuthAccess, "at-1"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("access token after DeleteOAuthTokens: %v", err)
		}
		if err := s.DeleteOAuthToken(ctx, store.OAuthRefresh, "rt-2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetOAuthToken(ctx, store.OAuthRefresh, "rt-2"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted rt-2: %v", err)
		}

		// The sweep removes what expired, nothing else.
		if err := s.CreateOAuthToken(ctx, store.OAuthToken{Kind: store.OAuthPKCE, Signature: "old", GrantID: "g2", Active: true, Data: "{}", ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SweepOAuthTokens(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("sweep = %d, %v; want 1", n, err)
		}
		if _, err := s.GetOAuthToken(ctx, store.OAuthRefresh, "rt-1"); err != nil {
			t.Fatalf("an unexpired record was swept: %v", err)
		}

		// Deleting the account deletes its grants and their records.
		if err := s.DeleteAccount(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetOAuthToken(ctx, store.OAuthRefresh, "rt-other"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("record of a deleted account's grant: %v, want ErrNotFound", err)
		}
	})
}

// TestSigningKeys: generations only grow, replicas rotating at once store
// one new key, old generations can be dropped.
func TestSigningKeys(t *testing.T) {
	forEachFreshBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if keys, err := s.ListSigningKeys(ctx); err != nil || len(keys) != 0 {
			t.Fatalf("keys of a new database = %v, %v", keys, err)
		}
		if ok, err := s.AddSigningKey(ctx, store.SigningKey{Generation: 1, PrivatePEM: "one"}); !ok || err != nil {
			t.Fatalf("first key = %v, %v", ok, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		stored := 0
		for i := range 6 {
			wg.Go(func() {
				ok, err := s.AddSigningKey(ctx, store.SigningKey{Generation: 2, PrivatePEM: "two-" + string(rune('a'+i))})
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					stored++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		keys, err := s.ListSigningKeys(ctx)
		if err != nil || stored != 1 || len(keys) != 2 || keys[0].Generation != 2 || keys[1].PrivatePEM != "one" || keys[0].CreatedAt.IsZero() {
			t.Fatalf("after 6 concurrent rotations: stored %d, keys %+v, %v; want one new key", stored, keys, err)
		}
		if err := s.DeleteSigningKey(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if keys, _ := s.ListSigningKeys(ctx); len(keys) != 1 || keys[0].Generation != 2 {
			t.Fatalf("after dropping generation 1: %+v", keys)
		}
		if _, err := s.AddSigningKey(ctx, store.SigningKey{}); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("generation 0: %v, want ErrInvalid", err)
		}
	})
}

// TestSigningKeyMigration: the key stored in server_keys before migration
// 9 becomes generation 1, so tokens it signed keep verifying.
func TestSigningKeyMigration(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.SQLiteURL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.MigrateTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureKey(ctx, "oauth-es256", "legacy-pem"); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := s.ListSigningKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Generation != 1 || keys[0].PrivatePEM != "legacy-pem" {
		t.Fatalf("keys after migration 9 = %+v, %v; want the legacy key as generation 1", keys, err)
	}
}
