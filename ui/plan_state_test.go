package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 19: the console holds no plan state of its own; it reads plans from snapshots and
// asks the hub to start or answer one. No file of the console (components included) may
// name a plan itself (fleet.Plan), make or resume one (NewPlan, ResumePlan,
// ResumeUnfinished), keep a store, or step one: only fleet.PlanStatus, the snapshot's copy.
func TestTheConsoleHoldsNoPlanState(t *testing.T) {
	forbidden := map[string]bool{"Plan": true, "NewPlan": true, "ResumePlan": true, "ResumeUnfinished": true, "PlanStore": true}
	steps := map[string]bool{"Step": true, "StepPlans": true, "Run": true, "RunUntil": true, "Continue": true, "Abort": true}
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("components/*/*.go")
	files = append(files, more...)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "fleet" && forbidden[n.Sel.Name] {
					t.Errorf("%s: the console names fleet.%s: plans are the hub's", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && steps[sel.Sel.Name] {
					t.Errorf("%s: the console calls %s: only the hub steps or answers a plan", fset.Position(n.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
