// Styles live inside the shadow root: the page's rules cannot reach in, these cannot leak out.
// `:host` is reset inline (see dom.ts) so inherited page fonts and colours stop at the boundary.
export const CSS = `
*{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;letter-spacing:normal;text-transform:none}
.pg{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2430;text-align:left}
.bd{position:fixed;inset:0;background:rgba(15,20,30,.45);z-index:1}
.box{position:fixed;z-index:2;background:#fff;border-radius:10px;box-shadow:0 12px 40px rgba(0,0,0,.25);padding:20px 22px 16px;max-width:min(480px,calc(100vw - 24px));width:max-content;min-width:260px}
.lb{top:50%;left:50%;transform:translate(-50%,-50%)}
.bn{left:0;right:0;max-width:none;width:auto;border-radius:0;display:flex;gap:16px;align-items:center;padding:12px 48px 12px 20px}
.bn.t{top:0}.bn.b{bottom:0}
.bn .ct{flex:1}
.tt{max-width:320px;min-width:200px}
.tt .ar{position:absolute;width:12px;height:12px;background:#fff;transform:rotate(45deg)}
.ttl{font-size:17px;font-weight:600;margin:0 24px 8px 0}
.ct p,.ct ul,.ct ol,.ct pre,.ct blockquote,.ct h1,.ct h2,.ct h3,.ct h4{margin:0 0 8px}
.ct h1{font-size:20px;font-weight:700}.ct h2{font-size:18px;font-weight:700}.ct h3,.ct h4{font-weight:600}
.ct ul,.ct ol{padding-left:20px}.ct strong,.ct b{font-weight:700}.ct em,.ct i{font-style:italic}
.ct a{color:#2456d3;text-decoration:underline}.ct code{font-family:ui-monospace,monospace;background:#f1f3f7;padding:0 3px;border-radius:3px}
.ct img{max-width:100%;height:auto}
.x{position:absolute;top:8px;right:10px;background:none;border:0;font-size:20px;line-height:1;cursor:pointer;color:#5b6272;padding:4px 6px;border-radius:4px}
.bts{display:flex;gap:8px;justify-content:flex-end;margin-top:12px}.bn .bts{margin:0}
button.b1,button.b2{font:600 14px/1 system-ui,sans-serif;padding:9px 14px;border-radius:6px;cursor:pointer;border:1px solid #2456d3}
button.b1{background:#2456d3;color:#fff}button.b2{background:#fff;color:#2456d3}
button:focus-visible,textarea:focus-visible,input:focus-visible{outline:2px solid #2456d3;outline-offset:2px}
.q{font-weight:600;margin:4px 0 10px}
.nps{display:flex;gap:4px;flex-wrap:wrap}
.nps button{width:34px;height:34px;border:1px solid #c5cad6;background:#fff;border-radius:6px;cursor:pointer;font:14px system-ui,sans-serif;color:#1f2430}
.nps button[aria-checked=true]{background:#2456d3;color:#fff;border-color:#2456d3}
.lg{display:flex;justify-content:space-between;font-size:12px;color:#5b6272;margin-top:4px}
.ch label{display:flex;gap:8px;align-items:center;margin:4px 0;cursor:pointer}
textarea{width:100%;min-height:60px;margin-top:10px;padding:6px 8px;border:1px solid #c5cad6;border-radius:6px;font:14px system-ui,sans-serif;resize:vertical;background:#fff;color:#1f2430}
.badge{position:fixed;z-index:2;width:22px;height:22px;border-radius:50%;background:#2456d3;color:#fff;border:0;font:700 13px/22px system-ui,sans-serif;text-align:center;cursor:pointer;padding:0}
`;
