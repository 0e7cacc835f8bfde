package realdriver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// The environment e2e/src/real-driver.spec.ts sets.
const (
	providerDirEnv = "KEYVAULT_CSI_PROVIDER_DIR"
	controlURLEnv  = "KEYVAULT_CSI_CONTROL_URL"
)

// harness is one test's view of the stack: the driver, and the control plane of the doubles.
type harness struct {
	*driver
	control *control
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	providerDir, controlURL := os.Getenv(providerDirEnv), os.Getenv(controlURLEnv)
	if providerDir == "" || controlURL == "" {
		t.Skipf("%s and %s are not set: run through `npx vitest run --project e2e src/real-driver.spec.ts`", providerDirEnv, controlURLEnv)
	}
	d := newDriver(providerDir)
	t.Cleanup(d.close)
	return &harness{driver: d, control: &control{url: controlURL, http: &http.Client{Timeout: 60 * time.Second}}}
}

// control calls the stack's control server (e2e/src/support/stack-control-server.ts).
type control struct {
	url  string
	http *http.Client
}

// call runs one operation; it returns errors instead of failing, so goroutines may use it.
func (c *control) call(operation string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := c.http.Post(c.url+"/"+operation, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("control %s: HTTP %d: %s", operation, resp.StatusCode, text)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(text, out)
}

func (c *control) must(t *testing.T, operation string, in, out any) {
	t.Helper()
	if err := c.call(operation, in, out); err != nil {
		t.Fatal(err)
	}
}

// vault creates a vault readable by an identity NMI binds to the pod; name "" picks a fresh one.
func (c *control) vault(t *testing.T, name, namespace, pod string) string {
	t.Helper()
	in := map[string]string{"namespace": namespace, "pod": pod}
	if name != "" {
		in["name"] = name
	}
	var out struct{ Name string }
	c.must(t, "vault", in, &out)
	return out.Name
}

// secret adds a secret version and returns its version id.
func (c *control) secret(t *testing.T, vault, name, value string) string {
	t.Helper()
	var out struct{ Version string }
	c.must(t, "secret", map[string]any{"vault": vault, "name": name, "value": value}, &out)
	return out.Version
}

// volumeFile is one file as the pod sees it through the volume.
type volumeFile struct {
	content string
	mode    fs.FileMode
}

// readVolume reads every file under the target through its visible top-level entries, checking the
// driver's layout on the way: `..data` links to one timestamped directory, every visible entry is a
// `<name> -> ..data/<name>` link, and nothing else is left in the target.
func readVolume(t *testing.T, target string) map[string]volumeFile {
	t.Helper()
	entries, err := os.ReadDir(target)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := dataDirectory(t, target)
	timestamped := regexp.MustCompile(`^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$`)
	if !timestamped.MatchString(dataDir) {
		t.Errorf("..data -> %q, want a timestamped directory", dataDir)
	}
	files := map[string]volumeFile{}
	for _, entry := range entries {
		name := entry.Name()
		if name == "..data" || name == dataDir {
			continue
		}
		if strings.HasPrefix(name, "..") {
			t.Errorf("unexpected entry %q in the target", name)
			continue
		}
		link, err := os.Readlink(filepath.Join(target, name))
		if err != nil || link != filepath.Join("..data", name) {
			t.Errorf("visible entry %q: want a link to ..data/%s, got %q (%v)", name, name, link, err)
			continue
		}
		// The visible link leads here; WalkDir does not follow a symlink root, so walk ..data/<name>.
		root := filepath.Join(target, "..data", name)
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			content, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			relative, _ := filepath.Rel(filepath.Join(target, "..data"), path)
			files[relative] = volumeFile{content: string(content), mode: info.Mode().Perm()}
			return nil
		})
		if err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
	}
	return files
}

// dataDirectory is where `..data` points now.
func dataDirectory(t *testing.T, target string) string {
	t.Helper()
	link, err := os.Readlink(filepath.Join(target, "..data"))
	if err != nil {
		t.Fatalf("the driver's writer left no ..data link: %v", err)
	}
	return link
}

// contents is the path → content part of a volume, for comparisons.
func contents(files map[string]volumeFile) map[string]string {
	out := make(map[string]string, len(files))
	for path, file := range files {
		out[path] = file.content
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
