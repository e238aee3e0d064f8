package viewer

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lspshare/lspshare/hub"
	"github.com/lspshare/lspshare/internal/certs"
	"github.com/lspshare/lspshare/internal/hubtest"
)

// A hub with TLS of its own, its certificate from a CA made by the test:
// the page loads over https, its live view comes over wss, and it follows
// the navigator, whose proxy trusts the CA through SSL_CERT_FILE. Chromium
// is told to trust the hub's key (its SPKI hash), as it would trust a
// certificate from a public CA.
func TestBrowserOverTLS(t *testing.T) {
	ca := hubtest.NewCA(t, "lspshare test CA")
	t.Setenv("SSL_CERT_FILE", ca.CertFile)
	certFile, keyFile := ca.IssueFiles(t, "127.0.0.1")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(cert.Leaf.RawSubjectPublicKeyInfo)
	browser := startBrowser(t, chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])))
	served, err := certs.NewReloader(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	th := startHubWith(t, hub.Config{}, served.ServerConfig()) // as lspshare hub --tls-cert serves
	bob := startHolder(t, th.links.Drive, "bob", demoFiles(t))
	bob.jump(at("main.go", 16, 20, 5), at("greet/greet.go", 7, 5, 5), "greet.Hello")

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancelWait := context.WithTimeout(ctx, waitFor)
	defer cancelWait()
	shows := func(path string, line int) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#code[data-path=%q][data-line="%d"] .line.current`, path, line)))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(th.links.View), shows("greet/greet.go", 7),
		chromedp.Poll[chromedp.Void](`location.protocol === 'https:'`)); err != nil {
		t.Fatalf("the page over https: %v\npage: %s", err, pageState(browser))
	}
	bob.jump(at("main.go", 13, 19, 4), at("store/store.go", 14, 5, 4), "store.Open")
	if err := chromedp.Do(ctx, shows("store/store.go", 14)); err != nil {
		t.Fatalf("following over wss: %v\npage: %s", err, pageState(browser))
	}
}
