// Background pass 3, full resolution: the grid's background and person mask upsampled as the image
// core's bilinear resize does it (11-bit fixed point, image_resize.cpp and resize_h_row /
// resize_v_row in image_kernels_scalar.cpp), then out = (frame * a + background * (255 - a)) / 255
// rounded. Mirrors BackgroundCpu::apply and background::blend_row.
uniform highp sampler2D u_image;   // the frame
uniform highp sampler2D u_low;     // grid: the blurred background (blur mode)
uniform highp sampler2D u_mask;    // grid: the feathered person mask (red)
uniform highp sampler2D u_fitted;  // the background image fitted to the frame (image mode)
uniform int u_mode;                // 1 blur, 2 colour, 3 image
uniform ivec3 u_color;             // colour mode, 0..255
uniform ivec2 u_grid_size;
uniform ivec2 u_image_size;

out vec4 frag_color;

const int kOne = 2048;

// The first source sample and the second one's weight for destination d (plan_axis).
ivec2 tap(int d, int src_n, int dst_n) {
    float f = (float(d) + 0.5) * (float(src_n) / float(dst_n)) - 0.5;
    int i = int(floor(f));
    f -= float(i);
    int w1 = int(roundEven(f * float(kOne)));
    if (i < 0) {
        i = 0;
        w1 = 0;
    }
    if (i >= src_n - 1) {
        i = src_n > 1 ? src_n - 2 : 0;
        w1 = src_n > 1 ? kOne : 0;
    }
    return ivec2(i, w1);
}

ivec4 fetch(highp sampler2D t, int x, int y) { return ivec4(round(texelFetch(t, ivec2(x, y), 0) * 255.0)); }

ivec4 vertical(ivec4 r0, ivec4 r1, int b0, int b1) {
    return ((((r0 >> 4) * b0) >> 16) + (((r1 >> 4) * b1) >> 16) + 2) >> 2;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 tx = tap(p.x, u_grid_size.x, u_image_size.x);
    ivec2 ty = tap(p.y, u_grid_size.y, u_image_size.y);
    int x0 = tx.x, x1 = u_grid_size.x > 1 ? tx.x + 1 : tx.x;
    int y0 = ty.x, y1 = u_grid_size.y > 1 ? ty.x + 1 : ty.x;
    int wx0 = kOne - tx.y, wx1 = tx.y;
    int wy0 = kOne - ty.y, wy1 = ty.y;
    // The grid's (background, mask) as one RGBA value, as the CPU upsamples it.
    ivec4 c00 = ivec4(fetch(u_low, x0, y0).rgb, fetch(u_mask, x0, y0).r);
    ivec4 c10 = ivec4(fetch(u_low, x1, y0).rgb, fetch(u_mask, x1, y0).r);
    ivec4 c01 = ivec4(fetch(u_low, x0, y1).rgb, fetch(u_mask, x0, y1).r);
    ivec4 c11 = ivec4(fetch(u_low, x1, y1).rgb, fetch(u_mask, x1, y1).r);
    ivec4 up = vertical(c00 * wx0 + c10 * wx1, c01 * wx0 + c11 * wx1, wy0, wy1);
    int a = up.a;
    ivec3 bg = u_mode == 1 ? up.rgb : (u_mode == 2 ? u_color : fetch(u_fitted, p.x, p.y).rgb);
    ivec4 frame = fetch(u_image, p.x, p.y);
    ivec3 t = frame.rgb * a + bg * (255 - a) + 128;
    frag_color = vec4(vec3((t + (t >> 8)) >> 8), float(frame.a)) / 255.0;
}
