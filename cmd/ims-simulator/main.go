// Command ims-simulator serves the IMS List-images simulator on its own,
// for the local demo and for manual experiments:
//
//	IMS_SIM_AK=demo-ak IMS_SIM_SK=demo-sk ims-simulator --listen 127.0.0.1:8443 --url-file /tmp/ims.url
//
// Credentials come from the environment so they never appear in ps:
// IMS_SIM_AK and IMS_SIM_SK (with IMS_SIM_SECURITY_TOKEN they are a
// temporary credential), and/or IMS_SIM_TOKEN for X-Auth-Token.
//
// The same server also plays IAM's OIDC federation (--idp-id, --idp-audience) and the ECS
// metadata service (--metadata-agency, --metadata-session-tokens), whose temporary
// credentials live --credential-lifetime.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on; port 0 picks a free port")
	catalogFile := flag.String("catalog", "", "JSON file with the catalog (an array of image records, or a saved List-images response); default: the built-in catalog")
	urlFile := flag.String("url-file", "", "write the base URL to this file once listening, for scripts that asked for port 0")
	dump := flag.Bool("dump-catalog", false, "print the built-in catalog as JSON and exit (a starting point for --catalog)")
	var cloud cloudFlags
	flag.StringVar(&cloud.idpID, "idp-id", "", "serve IAM OIDC federation for this identity provider ID (X-Idp-Id)")
	flag.StringVar(&cloud.audience, "idp-audience", "", "the aud an ID token must carry for --idp-id (empty: any)")
	flag.StringVar(&cloud.agency, "metadata-agency", "", "serve the ECS metadata credential calls, handing out this agency's credentials")
	flag.BoolVar(&cloud.sessionTokens, "metadata-session-tokens", false, "the metadata service has the session token API and requires its token")
	flag.DurationVar(&cloud.lifetime, "credential-lifetime", 0, "cap on the lifetime of issued temporary credentials (0: as asked; 1h from metadata)")
	flag.Parse()

	logger := log.New(os.Stderr, "ims-simulator: ", log.LstdFlags)
	if *dump {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(imssim.DefaultCatalog()); err != nil {
			logger.Fatal(err)
		}
		return
	}
	if err := run(logger, *listen, *catalogFile, *urlFile, cloud); err != nil {
		logger.Fatal(err)
	}
}

// cloudFlags configure the IAM and metadata side.
type cloudFlags struct {
	idpID, audience, agency string
	sessionTokens           bool
	lifetime                time.Duration
}

func (c cloudFlags) apply(opts *imssim.Options) {
	if c.idpID != "" {
		opts.IdentityProviders = []imssim.IdentityProvider{{ID: c.idpID, Audience: c.audience}}
	}
	if c.agency != "" {
		opts.Metadata = &imssim.Metadata{Agency: c.agency, SessionTokens: c.sessionTokens}
	}
	opts.CredentialLifetime = c.lifetime
}

func run(logger *log.Logger, listen, catalogFile, urlFile string, cloud cloudFlags) error {
	opts := imssim.Options{Logf: logger.Printf}
	cloud.apply(&opts)
	if catalogFile != "" {
		f, err := os.Open(catalogFile)
		if err != nil {
			return err
		}
		opts.Catalog, err = imssim.LoadCatalog(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", catalogFile, err)
		}
	}
	sim := imssim.New(opts)

	ak, sk := os.Getenv("IMS_SIM_AK"), os.Getenv("IMS_SIM_SK")
	switch {
	case ak != "" && sk != "" && os.Getenv("IMS_SIM_SECURITY_TOKEN") != "":
		sim.SetTemporaryCredential(ak, sk, os.Getenv("IMS_SIM_SECURITY_TOKEN"))
		logger.Printf("accepting temporary credentials for AK %q", ak)
	case ak != "" && sk != "":
		sim.SetCredential(ak, sk)
		logger.Printf("accepting AK/SK signatures for AK %q", ak)
	case ak != "" || sk != "":
		return errors.New("set both IMS_SIM_AK and IMS_SIM_SK, or neither")
	}
	if token := os.Getenv("IMS_SIM_TOKEN"); token != "" {
		sim.AddToken(token)
		logger.Printf("accepting the X-Auth-Token from IMS_SIM_TOKEN")
	}
	if ak == "" && os.Getenv("IMS_SIM_TOKEN") == "" {
		logger.Printf("warning: no IMS_SIM_AK/IMS_SIM_SK or IMS_SIM_TOKEN set: every request will get 401")
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	baseURL := "http://" + ln.Addr().String()
	if urlFile != "" {
		if err := writeAtomically(urlFile, baseURL+"\n"); err != nil {
			ln.Close()
			return err
		}
	}
	logger.Printf("serving %d images at %s%s (project %s)", len(sim.Catalog()), baseURL, imssim.Path, imssim.DemoProjectID)

	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeAtomically writes through a temporary file and a rename, so a
// script polling for the file never reads half a URL.
func writeAtomically(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ims-simulator-url-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
