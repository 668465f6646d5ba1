// Up to three UV-layout makeup masks sampled through the face mesh (vertex shader:
// stickers/sticker.vert.glsl), one per output channel, each from the mipmap level the renderer picked
// for the face (UvMask::level_for). The renderer blends with GL_MAX, so where triangles overlap the
// larger coverage stays, as paint_uv_layers() in sdk_core/src/effects/makeup/makeup_cpu.cpp keeps it.
// A layer that is off gets a 1x1 black mask.
in vec2 v_uv;
uniform highp sampler2D u_mask0;
uniform highp sampler2D u_mask1;
uniform highp sampler2D u_mask2;
uniform float u_lod0;
uniform float u_lod1;
uniform float u_lod2;
out vec4 o_color;

void main() {
    o_color = vec4(textureLod(u_mask0, v_uv, u_lod0).r, textureLod(u_mask1, v_uv, u_lod1).r,
                   textureLod(u_mask2, v_uv, u_lod2).r, 0.0);
}
