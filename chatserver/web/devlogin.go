package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
)

// maxDevLoginBody bounds the body of POST /auth/dev-login.
const maxDevLoginBody = 1 << 10

// devLogin answers POST /auth/dev-login: {"user": name} -> {"token": jwt}.
// It accepts only JSON bodies, so a cross-origin page cannot post one
// without a CORS preflight, and it never caches the answer.
func devLogin(mint func(user string) (string, error), log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "invalid_request", "the body must be application/json")
			return
		}
		var in struct {
			User string `json:"user"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDevLoginBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is larger than 1 KiB")
				return
			}
			writeError(w, http.StatusBadRequest, "invalid_request", `the body must be {"user": "<name>"}`)
			return
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, "invalid_request", `the body must be {"user": "<name>"}`)
			return
		}
		if !ValidUser(in.User) {
			writeError(w, http.StatusBadRequest, "invalid_user", "user must be 1 to 64 letters, digits, '.', '_' or '-'")
			return
		}
		token, err := mint(in.User)
		if err != nil {
			log.ErrorContext(r.Context(), "dev login", "user", in.User, "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "could not mint a token")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": token})
	})
}

// ValidUser reports whether user is 1 to 64 characters of [A-Za-z0-9._-],
// the names POST /auth/dev-login accepts.
func ValidUser(user string) bool {
	if user == "" || len(user) > 64 {
		return false
	}
	for _, r := range user {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// writeError writes the chat server's error body:
// {"error":{"code":"...","message":"..."}}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// writeJSON writes v as the JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}
