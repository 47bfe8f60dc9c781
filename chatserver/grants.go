package chatserver

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/taskpilot/taskpilot/models"
	"github.com/taskpilot/taskpilot/models/store"
)

// The account page's routes (Options.Grants), authenticated and rate
// limited like /chatkit but with no CORS (only this origin's pages manage
// grants):
//
//	GET    /api/v1/grants      {"grants": [Grant...]}: the user's active
//	                           OAuth grants, oldest first
//	DELETE /api/v1/grants/{id} revokes one of them -> 204; another user's
//	                           or an unknown id is 404 and changes nothing
//
// A revoked grant's refresh token is refused at once, and so are its
// access tokens (the MCP server checks each token's grant).

// Grants are the OAuth grants users gave MCP clients; models/store.Store
// implements it, and the authorization server (package
// chatserver/oauthserver) and `taskpilot user grants` use the same calls.
type Grants interface {
	// ListOAuthGrants returns account's grants, oldest first, revoked ones too.
	ListOAuthGrants(ctx context.Context, account string) ([]store.OAuthGrant, error)
	// RevokeOAuthGrant revokes account's grant id, or fails with an error
	// matching models.ErrNotFound when account has no such grant.
	RevokeOAuthGrant(ctx context.Context, account, id string) error
}

// Grant is one OAuth grant as GET /api/v1/grants shows it.
type Grant struct {
	ID         string    `json:"id"`
	ClientID   string    `json:"client_id"`   // a URL for metadata-document clients
	ClientName string    `json:"client_name"` // may be empty
	Scopes     []string  `json:"scopes"`      // "read", "write"
	CreatedAt  time.Time `json:"created_at"`  // when the user consented
}

// maxGrantID bounds the id of DELETE /api/v1/grants/{id} (ids are far shorter).
const maxGrantID = 64

// grantRoutes mounts the account page's routes on authed (authenticated
// and rate limited) when Options.Grants is set.
func (s *server) grantRoutes(authed *gin.RouterGroup) {
	if s.opts.Grants == nil {
		return
	}
	authed.GET("/api/v1/grants", s.listGrants)
	authed.DELETE("/api/v1/grants/:grant_id", s.revokeGrant)
}

// listGrants answers GET /api/v1/grants.
func (s *server) listGrants(c *gin.Context) {
	all, err := s.opts.Grants.ListOAuthGrants(c.Request.Context(), userOf(c))
	if err != nil {
		s.writeGrantError(c, err)
		return
	}
	out := []Grant{}
	for _, g := range all {
		if g.RevokedAt != nil {
			continue
		}
		scopes := g.Scopes
		if scopes == nil {
			scopes = []string{}
		}
		out = append(out, Grant{ID: g.ID, ClientID: g.ClientID, ClientName: g.ClientName, Scopes: scopes, CreatedAt: g.CreatedAt.UTC()})
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"grants": out})
}

// revokeGrant answers DELETE /api/v1/grants/{id}.
func (s *server) revokeGrant(c *gin.Context) {
	id := c.Param("grant_id")
	if len(id) > maxGrantID {
		writeError(c, http.StatusNotFound, "not_found", "no such grant")
		return
	}
	if err := s.opts.Grants.RevokeOAuthGrant(c.Request.Context(), userOf(c), id); err != nil {
		s.writeGrantError(c, err)
		return
	}
	s.log.InfoContext(c.Request.Context(), "grant revoked by its user", "grant", id, "user", userOf(c))
	c.Status(http.StatusNoContent)
}

// writeGrantError answers a failed grants request.
func (s *server) writeGrantError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, models.ErrNotFound):
		writeError(c, http.StatusNotFound, "not_found", "no such grant")
	case c.Request.Context().Err() != nil:
		writeError(c, http.StatusServiceUnavailable, "cancelled", "request cancelled")
	default:
		s.log.ErrorContext(c.Request.Context(), "grants", "err", err, "user", userOf(c))
		c.Header("Retry-After", retryAfter)
		writeError(c, http.StatusServiceUnavailable, "unavailable", "your connected applications can't be read right now; try again in a few seconds")
	}
}
