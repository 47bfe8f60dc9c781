package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// CDNScript is the only source of ChatKit's <openai-chatkit> element.
const CDNScript = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js"

// Auth modes of Config.Auth.
const (
	AuthNone  = "none"
	AuthToken = "token"
	AuthDev   = "dev"
	// AuthAccounts pages get tokens from POST /auth/token with the session
	// cookie of TaskPilot's own sign-in (package chatserver/signin).
	AuthAccounts = "accounts"
)

// Defaults for Config.
const (
	DefaultChatKitPath = "/chatkit"
	DefaultDomainKey   = "domain_pk_localhost_dev"
	DefaultTitle       = "TaskPilot"
)

// Content-Security-Policy of the pages. The ChatKit page lets the CDN
// script in, the iframe it opens, and the styles it injects; the lite page
// and the sign-in page allow nothing but this origin.
const (
	chatKitCSP = "default-src 'none'; script-src 'self' https://cdn.platform.openai.com; " +
		"style-src 'self' 'unsafe-inline' https://cdn.platform.openai.com; " +
		"img-src 'self' data: https:; font-src 'self' data: https://cdn.platform.openai.com; " +
		"connect-src 'self' https://cdn.platform.openai.com https://api.openai.com https://chatgpt.com; " +
		"frame-src https://cdn.platform.openai.com; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
	liteCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)

//go:embed static templates
var files embed.FS

// Config configures the pages. The zero value serves a page for a local
// single user (no auth) that talks to /chatkit.
type Config struct {
	// ChatKitPath is the ChatKit endpoint's path on this origin; "" means
	// "/chatkit". It must start with "/" (New panics otherwise).
	ChatKitPath string
	// DomainKey is ChatKit's api.domainKey (TASKPILOT_CHATKIT_DOMAIN_KEY).
	// Any placeholder works on localhost; a public host needs the key
	// OpenAI issues for it. "" means "domain_pk_localhost_dev".
	DomainKey string
	// Auth is how the page gets a bearer token: "none" (or ""), "token",
	// "dev" or "accounts"; see the package comment. New panics on any
	// other value.
	Auth string
	// Title is the pages' title; "" means "TaskPilot".
	Title string
	// DevLogin, if set, makes the handler serve POST /auth/dev-login: it
	// mints a token for a user name (1 to 64 characters of [A-Za-z0-9._-]).
	// Set it only with Auth "dev" on a loopback address.
	DevLogin func(user string) (string, error)
	// Logger receives the errors of DevLogin; nil discards them.
	Logger *slog.Logger
}

// pageConfig is the JSON the pages read from #taskpilot-config.
type pageConfig struct {
	ChatKitPath   string `json:"chatkitPath"`
	DomainKey     string `json:"domainKey"`
	Auth          string `json:"auth"`
	Title         string `json:"title"`
	ChatKitScript string `json:"chatkitScript"`
	LitePath      string `json:"litePath"`
	DevLoginPath  string `json:"devLoginPath"`
}

// asset is a file served as is.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Route is one route of the pages: a method and a path. A path segment
// "{name}" matches any one non-empty segment, as in net/http patterns.
type Route struct {
	Method string
	Path   string
}

// Handler serves the pages and assets on the routes Routes lists.
type Handler struct {
	mux    *http.ServeMux
	routes []Route
}

// New returns the handler serving the pages (see the package comment for
// its routes). It panics if cfg.Auth or cfg.ChatKitPath is invalid.
func New(cfg Config) *Handler {
	cfg = withDefaults(cfg)
	pc := pageConfig{
		ChatKitPath:   cfg.ChatKitPath,
		DomainKey:     cfg.DomainKey,
		Auth:          cfg.Auth,
		Title:         cfg.Title,
		ChatKitScript: CDNScript,
		LitePath:      "/lite",
	}
	if cfg.Auth == AuthDev {
		pc.DevLoginPath = "/auth/dev-login"
	}
	index := newAsset("text/html; charset=utf-8", renderPage("index.html", pc))
	lite := newAsset("text/html; charset=utf-8", renderPage("lite.html", pc))

	h := &Handler{mux: http.NewServeMux()}
	h.get("/", servePage(index, chatKitCSP))
	h.get("/lite", servePage(lite, liteCSP))
	h.get("/lite/", http.RedirectHandler("/lite", http.StatusMovedPermanently))
	h.get("/lite/{file}", serveAssets(loadAssets()))
	if cfg.Auth == AuthAccounts {
		signIn := newAsset("text/html; charset=utf-8", renderPage("signin.html", pc))
		h.get("/signin", servePage(signIn, liteCSP))
		account := newAsset("text/html; charset=utf-8", renderPage("account.html", pc))
		h.get("/account", servePage(account, liteCSP))
	}
	if cfg.DevLogin != nil {
		log := cfg.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		h.handle(http.MethodPost, "/auth/dev-login", devLogin(cfg.DevLogin, log))
	}
	return h
}

// get serves GET and HEAD requests to path with page.
func (h *Handler) get(path string, page http.Handler) {
	h.handle(http.MethodGet, path, page)
	h.routes = append(h.routes, Route{http.MethodHead, path})
}

// handle serves method requests to path with page (a GET pattern of
// http.ServeMux serves HEAD too).
func (h *Handler) handle(method, path string, page http.Handler) {
	pattern := path
	if strings.HasSuffix(path, "/") {
		pattern += "{$}" // exactly the path, not the subtree
	}
	h.mux.Handle(method+" "+pattern, page)
	h.routes = append(h.routes, Route{method, path})
}

// Routes returns the routes h serves, so that a router can mount them one
// by one and run its middleware for them (package chatserver does). Other
// requests are not for h: it answers them 404 or 405.
func (h *Handler) Routes() []Route { return slices.Clone(h.routes) }

// ServeHTTP sets the headers every answer carries and routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

// withDefaults fills in cfg's empty fields and panics on invalid ones.
func withDefaults(cfg Config) Config {
	if cfg.ChatKitPath == "" {
		cfg.ChatKitPath = DefaultChatKitPath
	}
	if !strings.HasPrefix(cfg.ChatKitPath, "/") || strings.HasPrefix(cfg.ChatKitPath, "//") {
		panic(fmt.Sprintf("web: ChatKitPath %q is not a path on this origin", cfg.ChatKitPath))
	}
	if cfg.DomainKey == "" {
		cfg.DomainKey = DefaultDomainKey
	}
	switch cfg.Auth {
	case "":
		cfg.Auth = AuthNone
	case AuthNone, AuthToken, AuthDev, AuthAccounts:
	default:
		panic(fmt.Sprintf("web: unknown Auth %q (want none, token, dev or accounts)", cfg.Auth))
	}
	if cfg.Title == "" {
		cfg.Title = DefaultTitle
	}
	return cfg
}

// renderPage executes the named template with the page config.
func renderPage(name string, pc pageConfig) []byte {
	t := template.Must(template.ParseFS(files, "templates/"+name))
	var b bytes.Buffer
	if err := t.Execute(&b, pc); err != nil {
		panic(fmt.Sprintf("web: render %s: %v", name, err))
	}
	return b.Bytes()
}

// loadAssets reads the embedded static files.
func loadAssets() map[string]asset {
	types := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
		".svg": "image/svg+xml",
	}
	assets := map[string]asset{}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		panic(fmt.Sprintf("web: read assets: %v", err))
	}
	for _, e := range entries {
		ct, ok := types[path.Ext(e.Name())]
		if e.IsDir() || !ok {
			continue
		}
		body, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("web: read asset %s: %v", e.Name(), err))
		}
		assets[e.Name()] = newAsset(ct, body)
	}
	return assets
}

// newAsset returns body with its type and a content-hash ETag.
func newAsset(contentType string, body []byte) asset {
	sum := sha256.Sum256(body)
	return asset{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// servePage serves a page with its Content-Security-Policy. Pages are
// revalidated on every load (their ETag makes that cheap).
func servePage(a asset, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		serveAsset(w, r, a)
	})
}

// serveAssets serves /lite/{file} from assets; anything else is 404.
func serveAssets(assets map[string]asset) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.PathValue("file")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serveAsset(w, r, a)
	})
}

// serveAsset writes a with its type, ETag and "Cache-Control: no-cache":
// browsers keep a copy but ask whether it is still current (304), so an
// upgrade is picked up at once.
func serveAsset(w http.ResponseWriter, r *http.Request, a asset) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
