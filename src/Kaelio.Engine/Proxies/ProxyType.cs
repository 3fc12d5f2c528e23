namespace Kaelio.Engine.Proxies;

public enum ProxyType
{
    Ssh,
    Tailscale,
}
