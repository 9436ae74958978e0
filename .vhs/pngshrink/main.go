// Command pngshrink makes the README's screenshots small enough to keep in git: freeze
// writes 32-bit RGBA at 4× scale with light compression (about 1.5 MB for a 120×36
// screen), but a terminal screen has few colours, so a 256-colour palette of the image's
// most frequent colours (every other pixel mapped to the nearest of them) keeps the text
// crisp at a fraction of the size.
//
// Usage: go run ./.vhs/pngshrink FILE.png… (each file is rewritten in place).
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"sort"
)

func main() {
	for _, path := range os.Args[1:] {
		if err := shrink(path); err != nil {
			fmt.Fprintf(os.Stderr, "pngshrink: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func shrink(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	img, err := png.Decode(f)
	// Read-only: a failed close loses nothing.
	_ = f.Close()
	if err != nil {
		return err
	}
	b := img.Bounds()
	counts := map[color.NRGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)]++
		}
	}
	colours := make([]color.NRGBA, 0, len(counts))
	for c := range counts {
		colours = append(colours, c)
	}
	sort.Slice(colours, func(i, j int) bool {
		if counts[colours[i]] != counts[colours[j]] {
			return counts[colours[i]] > counts[colours[j]]
		}
		return fmt.Sprint(colours[i]) < fmt.Sprint(colours[j]) // the same palette every run
	})
	if len(colours) > 256 {
		colours = colours[:256]
	}
	pal := make(color.Palette, len(colours))
	for i, c := range colours {
		pal[i] = c
	}
	out := image.NewPaletted(b, pal)
	nearest := map[color.NRGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			i, ok := nearest[c]
			if !ok {
				i = uint8(pal.Index(c))
				nearest[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
