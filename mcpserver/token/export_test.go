package token

import "time"

// SetNow replaces the clock used for claim checks and the JWKS cache. Call it
// before the first Verify.
func (v *Verifier) SetNow(now func() time.Time) { v.now = now }
