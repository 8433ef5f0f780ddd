package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
)

// config is the server's configuration: flags, each with an environment variable that
// supplies its default.
type config struct {
	Addr     string
	DataDir  string
	Timezone string
	// PageName is the page's name in every language; PageNameKO and PageNameEN, when set,
	// replace it in their language.
	PageName, PageNameKO, PageNameEN string
	// DefaultLang is the language of pages asked for in none, and the one staff texts
	// fall back to.
	DefaultLang string
	PublicURL   string
	Demo        bool
	LogLevel    string

	location    *time.Location
	pageName    lang.Text
	defaultLang lang.Lang
}

// flagSet returns a FlagSet whose usage lists each flag with its environment variable.
func flagSet(name, synopsis string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: %s\n\nFlags:\n", synopsis)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	return fs
}

// parseArgs parses a subcommand's flags and requires exactly nargs positional arguments,
// showing the usage otherwise.
func parseArgs(fs *flag.FlagSet, args []string, nargs int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != nargs {
		fs.Usage()
		return errUsage
	}
	return nil
}

func envOr(env Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

// dataDirFlag registers --data-dir, shared by every command that opens the store.
func dataDirFlag(fs *flag.FlagSet, env Env) *string {
	return fs.String("data-dir", envOr(env, "CANDOR_DATA_DIR", "candor-data"), "folder for the embedded database (env CANDOR_DATA_DIR)")
}

func (c *config) register(fs *flag.FlagSet, env Env) {
	fs.StringVar(&c.Addr, "addr", envOr(env, "CANDOR_ADDR", "127.0.0.1:8080"), "address to listen on (env CANDOR_ADDR)")
	fs.StringVar(&c.Timezone, "timezone", envOr(env, "CANDOR_TIMEZONE", "Asia/Seoul"), "IANA time zone the pages show times in (env CANDOR_TIMEZONE)")
	fs.StringVar(&c.PageName, "page-name", envOr(env, "CANDOR_PAGE_NAME", "Candor Status"), "name of the status page (env CANDOR_PAGE_NAME)")
	fs.StringVar(&c.PageNameKO, "page-name-ko", envOr(env, "CANDOR_PAGE_NAME_KO", ""), "the page's name on Korean pages, if it differs (env CANDOR_PAGE_NAME_KO)")
	fs.StringVar(&c.PageNameEN, "page-name-en", envOr(env, "CANDOR_PAGE_NAME_EN", ""), "the page's name on English pages, if it differs (env CANDOR_PAGE_NAME_EN)")
	fs.StringVar(&c.DefaultLang, "default-lang", envOr(env, "CANDOR_DEFAULT_LANG", "ko"), "ko or en: pages for readers who ask for neither, and the language staff texts fall back to (env CANDOR_DEFAULT_LANG)")
	fs.StringVar(&c.PublicURL, "public-url", envOr(env, "CANDOR_PUBLIC_URL", ""), "public base URL, e.g. https://status.example.com (env CANDOR_PUBLIC_URL; default http://ADDR)")
	fs.BoolVar(&c.Demo, "demo", envOr(env, "CANDOR_DEMO", "") == "true" || envOr(env, "CANDOR_DEMO", "") == "1", "seed demo components and incident history into an empty store (env CANDOR_DEMO=1)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(env, "CANDOR_LOG_LEVEL", "info"), "debug, info, warn or error (env CANDOR_LOG_LEVEL)")
}

func (c *config) validate() error {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return fmt.Errorf("--timezone %q is not an IANA time zone name (e.g. Asia/Seoul): %w", c.Timezone, err)
	}
	c.location = loc
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("--public-url %q must start with http:// or https://", c.PublicURL)
	}
	if strings.TrimSpace(c.PageName) == "" {
		return fmt.Errorf("--page-name must not be empty")
	}
	c.pageName = lang.Same(strings.TrimSpace(c.PageName))
	for l, v := range map[lang.Lang]string{lang.Korean: c.PageNameKO, lang.English: c.PageNameEN} {
		if v = strings.TrimSpace(v); v != "" {
			c.pageName.Set(l, v)
		}
	}
	l, ok := lang.Parse(c.DefaultLang)
	if !ok {
		return fmt.Errorf("--default-lang %q: want ko or en", c.DefaultLang)
	}
	c.defaultLang = l
	return nil
}

func dbPath(dataDir string) string { return filepath.Join(dataDir, "candor.db") }

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
