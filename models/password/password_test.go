package password

import (
	"strings"
	"testing"
)

// cheap keeps the tests fast; the format and checks are the same.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the parameters", h)
	}
	h2, _ := Hash("correct horse", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horsf": false, "": false, "Correct horse": false} {
		got, err := Verify(h, pw)
		if err != nil || got != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, got, err, want)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, _ := Hash("secret pw", cheap)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":        "",
		"bcrypt":       "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":      strings.Replace(good, "argon2id", "argon2i", 1),
		"version":      strings.Replace(good, "v=19", "v=18", 1),
		"huge memory":  strings.Replace(good, "m=64", "m=99999999", 1),
		"zero time":    strings.Replace(good, "t=1", "t=0", 1),
		"bad salt":     strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":    strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"extra fields": good + "$x",
	} {
		if ok, err := Verify(h, "secret pw"); ok || err != ErrMalformed {
			t.Errorf("%s: Verify = %v, %v; want false, ErrMalformed", name, ok, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := Hash("secret pw", cheap)
	if NeedsRehash(h, cheap) {
		t.Error("a hash with the current parameters needs a rehash")
	}
	if !NeedsRehash(h, Default) {
		t.Error("a cheap hash does not need a rehash under the default parameters")
	}
	if !NeedsRehash("junk", cheap) {
		t.Error("an unreadable hash does not need a rehash")
	}
}

func TestCheck(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                            false,
		"12345678":                         true,
		"pässwörd":                         true,
		strings.Repeat("x", 256):           true,
		strings.Repeat("x", 257):           false,
		"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8": false,
	} {
		if got := Check(pw) == ""; got != ok {
			t.Errorf("Check(%q) accepted = %v, want %v (%s)", pw, got, ok, Check(pw))
		}
	}
}
