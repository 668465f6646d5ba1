// Sprites, face masks and the occluder: triangles in frame pixels (row 0 = the frame's first row).
layout(location = 0) in vec2 a_pos;
layout(location = 1) in vec2 a_uv;
uniform vec2 u_frame_size;
out vec2 v_uv;

void main() {
    v_uv = a_uv;
    gl_Position = vec4(a_pos / u_frame_size * 2.0 - 1.0, 0.0, 1.0);
}
