package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 19: cmd/ is flags and wiring. Every redeploy and every question to the account
// goes through the hub (env.newHub), so one gate, one outcome hold, one send lock and one
// drain hold for every path. No file of the command may call a method on a backend, or
// hand one to anything but the constructors that wrap it (the decorators, the hub): a
// value is a backend when it is an env's Backend field or is declared backend.Backend.
func TestCmdCallsNoBackendMethod(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	// The constructors a backend may be handed to: they wrap it, they call nothing.
	wraps := map[string]bool{"fleet.New": true, "backend.Audit": true, "backend.Guard": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Names declared with the type backend.Backend in this file.
		typed := map[string]bool{}
		isBackendType := func(e ast.Expr) bool {
			sel, ok := e.(*ast.SelectorExpr)
			if !ok {
				return false
			}
			x, ok := sel.X.(*ast.Ident)
			return ok && x.Name == "backend" && sel.Sel.Name == "Backend"
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if isBackendType(n.Type) {
					for _, id := range n.Names {
						typed[id.Name] = true
					}
				}
			case *ast.ValueSpec:
				if n.Type != nil && isBackendType(n.Type) {
					for _, id := range n.Names {
						typed[id.Name] = true
					}
				}
			}
			return true
		})
		isBackend := func(e ast.Expr) bool {
			switch e := e.(type) {
			case *ast.SelectorExpr:
				return e.Sel.Name == "Backend" && !isBackendType(e)
			case *ast.Ident:
				return typed[e.Name]
			}
			return false
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && isBackend(sel.X) {
				t.Errorf("%s: calls %s on a backend: ask the hub (env.newHub)", fset.Position(call.Pos()), sel.Sel.Name)
			}
			fn := ""
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok {
					fn = x.Name + "." + sel.Sel.Name
				}
			}
			for _, a := range call.Args {
				if isBackend(a) && !wraps[fn] {
					t.Errorf("%s: hands a backend to %s: only the hub and the decorators may hold one", fset.Position(a.Pos()), orDash(fn))
				}
			}
			return true
		})
	}
}
