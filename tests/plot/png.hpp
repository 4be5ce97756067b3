#pragma once
// A minimal PNG reader for the heatmap tests (8-bit RGB/RGBA, non-interlaced, zlib inflate):
// enough to check that rsvg-convert drew what the SVG says.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>

namespace adt {

/// A decoded image: width × height pixels of RGBA bytes.
struct image {
    std::uint32_t width = 0, height = 0;
    std::vector<std::uint8_t> rgba;
    /// Channel c (0 r, 1 g, 2 b, 3 a) of pixel (x, y).
    std::uint8_t at(std::uint32_t x, std::uint32_t y, int c) const { return rgba[(std::size_t(y) * width + x) * 4 + std::size_t(c)]; }
};

inline std::uint32_t be32(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3]; }

/// Reads and decodes a PNG file; throws std::runtime_error on anything unsupported.
inline image read_png(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("read_png: cannot open " + path);
    const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    static const std::uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    if (b.size() < 33 || !std::equal(sig, sig + 8, b.begin())) throw std::runtime_error("read_png: not a PNG: " + path);
    image img;
    int colour = -1, depth = 0, interlace = 0;
    std::vector<std::uint8_t> idat;
    for (std::size_t p = 8; p + 12 <= b.size();) {
        const std::uint32_t len = be32(&b[p]);
        const std::string type(reinterpret_cast<const char*>(&b[p + 4]), 4);
        const std::uint8_t* d = &b[p + 8];
        if (p + 12 + len > b.size()) throw std::runtime_error("read_png: truncated chunk " + type);
        if (type == "IHDR") {
            img.width = be32(d), img.height = be32(d + 4);
            depth = d[8], colour = d[9], interlace = d[12];
        } else if (type == "IDAT") {
            idat.insert(idat.end(), d, d + len);
        } else if (type == "IEND") {
            break;
        }
        p += 12 + len;
    }
    if (depth != 8 || (colour != 6 && colour != 2) || interlace != 0)
        throw std::runtime_error("read_png: only 8-bit RGB/RGBA non-interlaced PNGs are supported");
    const std::size_t bpp = colour == 6 ? 4 : 3, stride = std::size_t(img.width) * bpp;
    std::vector<std::uint8_t> raw(std::size_t(img.height) * (stride + 1));
    uLongf raw_len = uLongf(raw.size());
    if (uncompress(raw.data(), &raw_len, idat.data(), uLong(idat.size())) != Z_OK || raw_len != raw.size())
        throw std::runtime_error("read_png: bad zlib stream in " + path);
    std::vector<std::uint8_t> cur(stride), prev(stride, 0);
    img.rgba.resize(std::size_t(img.width) * img.height * 4);
    for (std::uint32_t y = 0; y < img.height; ++y) {
        const std::uint8_t filter = raw[y * (stride + 1)];
        const std::uint8_t* in = &raw[y * (stride + 1) + 1];
        for (std::size_t i = 0; i < stride; ++i) {
            const int a = i >= bpp ? cur[i - bpp] : 0, up = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
            int pred = 0;
            switch (filter) {
                case 0: pred = 0; break;
                case 1: pred = a; break;
                case 2: pred = up; break;
                case 3: pred = (a + up) / 2; break;
                case 4: {
                    const int pp = a + up - c, pa = std::abs(pp - a), pb = std::abs(pp - up), pc = std::abs(pp - c);
                    pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? up : c);
                    break;
                }
                default: throw std::runtime_error("read_png: bad filter type");
            }
            cur[i] = std::uint8_t(in[i] + pred);
        }
        for (std::uint32_t x = 0; x < img.width; ++x)
            for (int ch = 0; ch < 4; ++ch)
                img.rgba[(std::size_t(y) * img.width + x) * 4 + std::size_t(ch)] =
                    ch < int(bpp) ? cur[x * bpp + std::size_t(ch)] : std::uint8_t(255);
        std::swap(cur, prev);
    }
    return img;
}

}  // namespace adt
