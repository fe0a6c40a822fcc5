package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/report"
)

// libreOffice returns the LibreOffice binary. Without one the test is
// skipped on a developer's machine, and fails under CI (CI set), where
// .ci/run installs it.
func libreOffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"libreoffice", "soffice"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const install = "apt-get install -y --no-install-recommends libreoffice-calc-nogui"
	if os.Getenv("CI") != "" {
		t.Fatalf("LibreOffice is not installed, and CI is set: .ci/run should have installed it (%s)", install)
	}
	t.Skipf("LibreOffice is not installed; install it to run this test (%s). Under CI this fails instead.", install)
	return ""
}

var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// TestReportConvertsToPDF: LibreOffice opens the workbook and prints every
// sheet of it to a PDF, as someone would who prints the report.
func TestReportConvertsToPDF(t *testing.T) {
	t.Parallel()
	soffice := libreOffice(t)
	db := dbtest.New(t)
	seedNovember(t, db)
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "report.xlsx")
	file, err := os.Create(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Write(context.Background(), file, november, db, options()); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A profile of its own: no clash with another LibreOffice running,
	// nothing written to the home folder.
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, xlsx)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice --convert-to pdf: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "report.pdf"))
	if err != nil {
		t.Fatalf("no PDF produced: %v\n%s", err, out)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("report.pdf is not a PDF: %.40q", pdf)
	}
	// One page at least per sheet: summary with its chart, appeals,
	// quality, returns.
	if pages := len(pdfPage.FindAll(pdf, -1)); pages < 4 {
		t.Errorf("the PDF has %d pages, want at least 4 (one per sheet)", pages)
	}
}
