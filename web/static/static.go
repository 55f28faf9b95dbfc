// Package static embeds the stylesheet, scripts and icons. htmx is vendored
// here (htmx.min.js, version in HTMX_VERSION, licence 0BSD) and refreshed by
// `make htmx` from the npm package.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

// FS holds the files served under /static/.
//
//go:embed *.css *.js *.svg HTMX_VERSION
var FS embed.FS

var versions = map[string]string{}

func init() {
	fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := FS.ReadFile(path)
			sum := sha256.Sum256(b)
			versions[path] = hex.EncodeToString(sum[:4])
		}
		return nil
	})
}

// URL returns the address of a static file with its content hash, so it
// can be cached for a year and still change with each release.
func URL(name string) string { return "/static/" + name + "?v=" + versions[name] }
